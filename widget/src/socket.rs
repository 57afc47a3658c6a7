//! The conversation WebSocket: JSON text frames of `ChatClientMsg` / `ChatServerMsg`.
//! Reconnecting with back-off is decided by `update`; this file only opens, sends and closes.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::WebSocket;

use crate::app::{dispatch, Sh};
use crate::error::{log, WidgetError};
use crate::model::Msg;

type Handler = Closure<dyn FnMut(JsValue)>;

pub struct Socket {
    ws: WebSocket,
    _handlers: [Handler; 3],
}

impl Socket {
    pub fn open(app: Sh, url: &str) -> Result<Socket, WidgetError> {
        let ws = WebSocket::new(url)?;
        let a = app;
        let on_open: Handler = Closure::new(move |_| dispatch(a, Msg::SocketOpened));
        let a = app;
        let on_message: Handler = Closure::new(move |e: JsValue| {
            // A text frame's `data` is a string (the socket's events are the browser's own).
            let Some(data) = crate::wire::field(&e, "data") else {
                return;
            };
            match crate::wire::server_msg(&data) {
                Ok(msg) => dispatch(a, Msg::Server(msg)),
                Err(e) => log(e),
            }
        });
        let a = app;
        let on_close: Handler = Closure::new(move |e: JsValue| {
            let code = crate::wire::object(&e, "code")
                .as_f64()
                .map_or(1006, |c| c as u16);
            dispatch(a, Msg::SocketClosed { code });
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _handlers: [on_open, on_message, on_close],
        })
    }

    pub fn send(&self, text: &str) -> Result<(), WidgetError> {
        Ok(self.ws.send_with_str(text)?)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Detach first: a socket we let go of must not report its close.
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
