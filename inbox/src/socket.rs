//! A JSON WebSocket that reports open, each text frame, and close to callbacks.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::error::InboxError;

type Handler = Closure<dyn FnMut(JsValue)>;

pub struct Socket {
    ws: WebSocket,
    _handlers: [Handler; 3],
}

impl Socket {
    pub fn open(
        url: &str,
        mut on_open: impl FnMut() + 'static,
        mut on_text: impl FnMut(String) + 'static,
        mut on_close: impl FnMut(u16, String) + 'static,
    ) -> Result<Socket, InboxError> {
        let ws = WebSocket::new(url)?;
        let open: Handler = Closure::new(move |_| on_open());
        let message: Handler = Closure::new(move |e: JsValue| {
            if let Some(t) = e
                .dyn_ref::<MessageEvent>()
                .and_then(|e| e.data().as_string())
            {
                on_text(t);
            }
        });
        let close: Handler = Closure::new(move |e: JsValue| {
            // The code says whether to reconnect; the reason is the server's words for a person.
            match e.dyn_ref::<CloseEvent>() {
                Some(c) => on_close(c.code(), c.reason()),
                None => on_close(1006, String::new()),
            }
        });
        ws.set_onopen(Some(open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _handlers: [open, message, close],
        })
    }

    #[cfg(feature = "agent")]
    pub fn send(&self, text: &str) -> Result<(), InboxError> {
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
