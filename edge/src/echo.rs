//! `EchoDO`: a bare relay between two sides of hibernatable WebSockets, used only as the
//! baseline of `npm run bench` (served when the `BENCH_ECHO` var is "1"). It does no parsing,
//! no storage and no routing, so Parlor's chat latency can be reported as a ratio to it.

use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

use crate::identity::query_param;

#[durable_object]
pub struct EchoDO {
    state: State,
}

impl DurableObject for EchoDO {
    fn new(state: State, _env: Env) -> Self {
        EchoDO { state }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let side = match query_param(&req, "side").as_deref() {
            Some("a") => "a",
            Some("b") => "b",
            _ => return Response::error("side must be a or b", 400),
        };
        let pair = WebSocketPair::new()?;
        self.state.accept_websocket_with_tags(&pair.server, &[side]);
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let other = if self.state.get_tags(&ws).iter().any(|t| t == "a") {
            "b"
        } else {
            "a"
        };
        for peer in self.state.get_websockets_with_tag(other) {
            let _ = match &message {
                WebSocketIncomingMessage::String(s) => peer.send_with_str(s),
                WebSocketIncomingMessage::Binary(b) => peer.send_with_bytes(b),
            };
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        let _ = ws.close(Some(1000), Some("closing"));
        Ok(())
    }
}
