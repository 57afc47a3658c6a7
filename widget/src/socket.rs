//! The conversation WebSocket: JSON text frames of `ChatClientMsg` / `ChatServerMsg`.
//! Reconnecting with back-off is decided by `update`; this file only opens, sends and closes.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::WebSocket;

use crate::app::{dispatch, Sh};
use crate::error::{log, WidgetError};
use crate::model::Msg;

#[wasm_bindgen]
extern "C" {
    /// The socket as something to `close()`: with no code or reason, it never throws.
    type Closable;
    #[wasm_bindgen(method)]
    fn close(this: &Closable);
}

type Handler = Closure<dyn FnMut(JsValue)>;

pub struct Socket {
    ws: WebSocket,
    _handler: Handler,
}

impl Socket {
    pub fn open(app: Sh, url: &str) -> Result<Socket, WidgetError> {
        let ws = WebSocket::new(url)?;
        // One handler for the three events, told apart by their type.
        let handler: Handler = Closure::new(move |e: JsValue| {
            let msg = match crate::wire::field(&e, "type").as_deref() {
                Some("open") => Msg::SocketOpened,
                Some("message") => {
                    // A text frame's `data` is a string (the socket's events are the browser's).
                    let Some(data) = crate::wire::field(&e, "data") else {
                        return;
                    };
                    match crate::wire::server_msg(&data) {
                        Ok(msg) => Msg::Server(msg),
                        Err(e) => return log(e),
                    }
                }
                _ => Msg::SocketClosed {
                    code: crate::wire::object(&e, "code")
                        .as_f64()
                        .map_or(1006, |c| c as u16),
                },
            };
            dispatch(app, msg);
        });
        let f = handler.as_ref().unchecked_ref();
        ws.set_onopen(Some(f));
        ws.set_onmessage(Some(f));
        ws.set_onclose(Some(f));
        Ok(Socket {
            ws,
            _handler: handler,
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
        self.ws.unchecked_ref::<Closable>().close();
    }
}
