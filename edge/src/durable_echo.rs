//! `DurableEchoDO`: the bare echo of `echo.rs` that first appends each message to its SQLite
//! table, used only as a baseline of `npm run bench` (served when `BENCH_ECHO` is "1"). It is
//! the floor for any chat that stores what it relays: one INSERT, one commit, then the relay
//! (the output gate holds the send until the commit is durable), no parsing, no state machine.

use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Request, Response, SqlStorage, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::identity::query_param;

#[durable_object]
pub struct DurableEchoDO {
    state: State,
    sql: SqlStorage,
}

impl DurableObject for DurableEchoDO {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        DurableEchoDO { state, sql }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let side = match query_param(&req, "side").as_deref() {
            Some("a") => "a",
            Some("b") => "b",
            _ => return Response::error("side must be a or b", 400),
        };
        self.sql.exec(
            "CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)",
            None,
        )?;
        let pair = WebSocketPair::new()?;
        self.state.accept_websocket_with_tags(&pair.server, &[side]);
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let body = match &message {
            WebSocketIncomingMessage::String(s) => s.clone(),
            WebSocketIncomingMessage::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        };
        // Stored before anyone sees it, as a chat that acknowledges what it stores must.
        self.sql.exec(
            "INSERT INTO messages (body) VALUES (?)",
            Some(vec![body.into()]),
        )?;
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
