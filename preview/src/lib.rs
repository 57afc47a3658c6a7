//! The dialogue designer's live preview (`www/preview.html`): the real widget, talking to
//! core's real conversation machine run here, in the page, instead of to the server.
//!
//! `www/preview/shim.js` answers the widget's start request, its availability read and its
//! socket with a [`Preview`]: a draft dialogue walked through with the same rules (cards,
//! captured fields' validation, live chat states, fallback, the offline form) and no
//! conversation, offer, lead or email anywhere. The workspace's side is simulated by the page's
//! controls (an agent joins, writes, nobody answers). See `engine.rs`.

mod engine;
mod error;

#[cfg(test)]
mod tests;

pub use engine::Engine;
pub use error::PreviewError;

use parlor_core::protocol::ChatServerMsg;
use parlor_core::Millis;
use wasm_bindgen::prelude::*;

/// The page's clock (the machine itself never reads one).
fn now() -> Millis {
    Millis(js_sys::Date::now() as u64)
}

fn frames(result: Result<Vec<ChatServerMsg>, PreviewError>) -> Result<Vec<String>, JsError> {
    Ok(engine::to_json(&result?)?)
}

/// One walk-through of a draft dialogue. Methods that take what the widget sent return the
/// frames (JSON strings) to deliver on its socket, in order.
#[wasm_bindgen]
pub struct Preview {
    engine: Engine,
}

#[wasm_bindgen]
impl Preview {
    /// `dialogue`: the JSON of a dialogue as core's serde writes it.
    #[wasm_bindgen(constructor)]
    pub fn new(dialogue: &str) -> Result<Preview, JsError> {
        Ok(Preview {
            engine: Engine::new(dialogue)?,
        })
    }

    /// The workspace's settings (their JSON as `GET /api/workspaces/{ws}/settings` answers):
    /// its fallback texts, timeouts and widget look replace the defaults.
    pub fn set_workspace(&mut self, settings: &str) -> Result<(), JsError> {
        Ok(self.engine.set_workspace(settings)?)
    }

    /// Answers `POST /api/visitor/conversations` (its JSON body): `{conversation, token,
    /// resumed, widget}`.
    pub fn start(&mut self, body: &str) -> Result<String, JsError> {
        Ok(self.engine.start(body, now())?)
    }

    /// Answers `GET /api/visitor/availability`.
    pub fn availability(&self) -> Result<String, JsError> {
        Ok(self.engine.availability()?)
    }

    /// Whether the simulated workspace has someone who can chat.
    pub fn set_available(&mut self, on: bool) {
        self.engine.set_available(on);
    }

    /// A frame the widget sent (`hello`, `answer`, `capture`, `say`, `typing`, `end`,
    /// `leave_message`, `email_transcript`).
    pub fn frame(&mut self, frame: &str) -> Result<Vec<String>, JsError> {
        frames(self.engine.from_visitor(frame, now()))
    }

    /// The widget's socket opened (`true`) or closed.
    pub fn socket(&mut self, open: bool) -> Result<Vec<String>, JsError> {
        frames(self.engine.visitor_socket(open, now()))
    }

    /// An agent called `name` accepts the waiting chat.
    pub fn agent_joins(&mut self, name: &str) -> Result<Vec<String>, JsError> {
        frames(self.engine.agent_joins(name, now()))
    }

    /// The agent writes `text`.
    pub fn agent_says(&mut self, text: &str) -> Result<Vec<String>, JsError> {
        frames(self.engine.agent_says(text, now()))
    }

    /// Nobody answers the waiting chat: the fallback text and the offline form.
    pub fn fall_back(&mut self) -> Result<Vec<String>, JsError> {
        frames(self.engine.fall_back(now()))
    }

    /// Whatever fell due by `now` (milliseconds since the epoch).
    pub fn tick(&mut self, now: f64) -> Result<Vec<String>, JsError> {
        frames(self.engine.tick(Millis(now as u64)))
    }

    /// When to call `tick` next (milliseconds since the epoch), if ever.
    pub fn next_deadline(&self) -> Option<f64> {
        self.engine.next_deadline().map(|d| d.0 as f64)
    }

    /// `idle`, `bot`, `waiting`, `chatting` or `closed`.
    pub fn state(&self) -> String {
        self.engine.state().to_owned()
    }
}
