//! The preview's conversation: core's real [`Conversation`] machine, with what the edge's
//! `ConversationDO` and `WorkspaceDO` would do around it played here, in memory.
//!
//! - The "transcript" is a `Vec` of the entries appended so far (what `hello` replays).
//! - The workspace is simulated: a live chat request waits until the page says an agent joins
//!   ([`Engine::agent_joins`]) or that nobody answers ([`Engine::fall_back`]); when "nobody is
//!   available" is chosen, a request falls back at once as the router would
//!   (`NoEligibleAgent`), and availability checks are answered from the same switch.
//! - Everything else the conversation says to its workspace (index rows, leads, failed
//!   actions, the transcript email) is dropped: nothing is stored and nothing is sent.
//!
//! Frames are returned in the order the edge sends them: relayed frames, then the appended
//! entries, then the replies to the visitor, then the visitor-only notices.

use std::collections::VecDeque;

use parlor_core::conversation::Effect;
use parlor_core::conversation::{
    resume_frames, Conversation, ConversationSettings, Input, LiveState,
};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{
    AgentProfile, ChatClientMsg, ChatServerMsg, FallbackKind, Side, TranscriptEntry,
    PROTOCOL_VERSION,
};
use parlor_core::routing::FallbackReason;
use parlor_core::settings::{WidgetLook, WorkspaceSettings};
use parlor_core::{AgentId, ConversationId, Millis};
use serde::{Deserialize, Serialize};

use crate::error::PreviewError;

/// The simulated agent's id (never shown: the visitor sees the name given to `agent_joins`).
const AGENT: &str = "preview-agent";

/// Who caused an input: replies go back to that side only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Visitor,
    Agent,
    Workspace,
}

/// What the widget's `POST /api/visitor/conversations` sends (what the preview reads of it).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StartRequest {
    page_url: String,
    language: String,
    token: Option<String>,
}

/// What the preview reads of the workspace's settings (only these: reading the whole of them
/// would put every settings field's reader in the preview's bundle).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WorkspaceTexts {
    live_chat_fallback: Option<String>,
    global_fallback: Option<String>,
    inactivity_timeout_ms: Option<u64>,
    visitor_gone_waiting_ms: Option<u64>,
    visitor_gone_chat_ms: Option<u64>,
    widget: Option<WidgetLook>,
}

/// The start answer, as the edge writes it (`edge/src/workspace/visitors.rs`, `Started`).
#[derive(Serialize)]
struct Started<'a> {
    conversation: &'a str,
    token: &'a str,
    resumed: bool,
    widget: &'a WidgetLook,
}

/// The public availability read, as the edge writes it.
#[derive(Serialize)]
struct Availability<'a> {
    open: bool,
    can_chat: bool,
    look: &'a WidgetLook,
}

/// One conversation of the preview (a new one when the widget starts again after the end).
struct Current {
    conv: Conversation,
    token: String,
    entries: Vec<TranscriptEntry>,
}

pub struct Engine {
    dialogue: Dialogue,
    settings: ConversationSettings,
    look: WidgetLook,
    current: Option<Current>,
    /// Conversations started so far (their ids: `preview-1`, `preview-2`…).
    started: u32,
    /// Whether the simulated workspace has someone who can chat.
    available: bool,
    /// The simulated agent's messages so far (their client ids).
    agent_said: u32,
}

impl Engine {
    /// A preview of `dialogue` (core's serde JSON of a `Dialogue`), with the workspace
    /// defaults for the texts and timeouts until `set_workspace`.
    pub fn new(dialogue: &str) -> Result<Engine, PreviewError> {
        Ok(Engine {
            dialogue: serde_json::from_str(dialogue)?,
            settings: ConversationSettings::default(),
            look: WidgetLook::default(),
            current: None,
            started: 0,
            available: true,
            agent_said: 0,
        })
    }

    /// The workspace's own texts and look (`GET /api/workspaces/{ws}/settings`, core's serde
    /// JSON): the fallback messages, the inactivity and gone timeouts, the widget's colour,
    /// corner and language, so the walk-through shows what visitors will see.
    pub fn set_workspace(&mut self, settings: &str) -> Result<(), PreviewError> {
        let t: WorkspaceTexts = serde_json::from_str(settings)?;
        let d = WorkspaceSettings::default();
        let ws = WorkspaceSettings {
            live_chat_fallback: t.live_chat_fallback.unwrap_or(d.live_chat_fallback),
            global_fallback: t.global_fallback.unwrap_or(d.global_fallback),
            inactivity_timeout_ms: t.inactivity_timeout_ms.unwrap_or(d.inactivity_timeout_ms),
            visitor_gone_waiting_ms: t
                .visitor_gone_waiting_ms
                .unwrap_or(d.visitor_gone_waiting_ms),
            visitor_gone_chat_ms: t.visitor_gone_chat_ms.unwrap_or(d.visitor_gone_chat_ms),
            ..d
        };
        self.settings = ConversationSettings::from(&ws);
        self.look = t.widget.unwrap_or_default();
        Ok(())
    }

    /// Answers the widget's start request (its JSON body): the same conversation when it
    /// resumes with this preview's token, else a new one showing the first cards.
    pub fn start(&mut self, body: &str, now: Millis) -> Result<String, PreviewError> {
        let req: StartRequest = serde_json::from_str(body)?;
        let resumed = match (&self.current, &req.token) {
            (Some(c), Some(t)) => &c.token == t,
            _ => false,
        };
        if !resumed {
            self.started += 1;
            let id = format!("preview-{}", self.started);
            let conv = Conversation::new(
                ConversationId::new(id.clone()),
                self.dialogue.clone(),
                self.settings.clone(),
                now,
            );
            self.current = Some(Current {
                conv,
                token: format!("{id}.preview"),
                entries: Vec::new(),
            });
            let start = Input::Start {
                page_url: req.page_url,
                language: req.language,
                country: String::new(),
                utm: Default::default(),
                identity: None,
            };
            // No socket yet: the entries wait for the widget's `hello`.
            self.run(start, Origin::Visitor, now)?;
        }
        let c = self.current()?;
        Ok(serde_json::to_string(&Started {
            conversation: c.conv.id().as_str(),
            token: &c.token,
            resumed,
            widget: &self.look,
        })?)
    }

    /// Answers `GET /api/visitor/availability`.
    pub fn availability(&self) -> Result<String, PreviewError> {
        Ok(serde_json::to_string(&Availability {
            open: true,
            can_chat: self.available,
            look: &self.look,
        })?)
    }

    /// Whether the simulated workspace has someone who can chat (on by default).
    pub fn set_available(&mut self, on: bool) {
        self.available = on;
    }

    /// A frame the widget sent on its socket.
    pub fn from_visitor(
        &mut self,
        frame: &str,
        now: Millis,
    ) -> Result<Vec<ChatServerMsg>, PreviewError> {
        let msg: ChatClientMsg = serde_json::from_str(frame)?;
        let input = match msg {
            ChatClientMsg::Hello { v, last_seq } => {
                if v != PROTOCOL_VERSION {
                    return Ok(vec![ChatServerMsg::Error {
                        code: "unsupported_version".into(),
                        message: "Please reload the page.".into(),
                    }]);
                }
                let c = self.current()?;
                let mut frames = resume_frames(c.conv.view(), &c.entries, last_seq);
                frames.extend(c.conv.presence_after_replay(Side::Visitor));
                return Ok(frames);
            }
            ChatClientMsg::Answer { card, button } => Input::Answer { card, button },
            ChatClientMsg::Capture { card, values } => Input::Capture { card, values },
            ChatClientMsg::Say { client_id, text } => Input::Say {
                from: Side::Visitor,
                client_id,
                text,
            },
            ChatClientMsg::Typing { on } => Input::Typing {
                from: Side::Visitor,
                on,
            },
            ChatClientMsg::End => Input::End { by: Side::Visitor },
            ChatClientMsg::LeaveMessage {
                client_id,
                email,
                text,
            } => Input::LeaveMessage {
                client_id,
                email,
                text,
            },
            ChatClientMsg::EmailTranscript => Input::EmailTranscript,
        };
        self.run(input, Origin::Visitor, now)
            .map(|(frames, _)| frames)
    }

    /// The widget's socket opened or closed.
    pub fn visitor_socket(
        &mut self,
        open: bool,
        now: Millis,
    ) -> Result<Vec<ChatServerMsg>, PreviewError> {
        let side = Side::Visitor;
        let input = if open {
            Input::SocketOpened { side }
        } else {
            Input::SocketClosed { side }
        };
        self.run(input, Origin::Workspace, now)
            .map(|(frames, _)| frames)
    }

    /// An agent named `name` accepts the waiting live chat, and their chat pane connects.
    pub fn agent_joins(
        &mut self,
        name: &str,
        now: Millis,
    ) -> Result<Vec<ChatServerMsg>, PreviewError> {
        if self.current()?.conv.live_state() != LiveState::Requested {
            return Err(PreviewError::NotWaiting);
        }
        let accepted = WorkspaceToConversation::Accepted {
            agent: AgentId::new(AGENT),
            profile: AgentProfile {
                name: name.to_owned(),
                avatar_url: None,
            },
            request: 0,
        };
        let mut frames = self.refusing(Input::FromWorkspace(accepted), Origin::Workspace, now)?;
        let pane = Input::SocketOpened { side: Side::Agent };
        frames.extend(self.refusing(pane, Origin::Agent, now)?);
        Ok(frames)
    }

    /// The agent who joined writes `text`.
    pub fn agent_says(
        &mut self,
        text: &str,
        now: Millis,
    ) -> Result<Vec<ChatServerMsg>, PreviewError> {
        let c = self.current()?;
        if c.conv.live_state() != LiveState::Accepted || c.conv.is_closed() {
            return Err(PreviewError::NotChatting);
        }
        self.agent_said += 1;
        let say = Input::Say {
            from: Side::Agent,
            client_id: format!("agent-{}", self.agent_said),
            text: text.to_owned(),
        };
        self.refusing(say, Origin::Agent, now)
    }

    /// Nobody takes the waiting chat: the offers ran out (the visitor gets the fallback text
    /// and the offline form).
    pub fn fall_back(&mut self, now: Millis) -> Result<Vec<ChatServerMsg>, PreviewError> {
        if self.current()?.conv.live_state() != LiveState::Requested {
            return Err(PreviewError::NotWaiting);
        }
        let fell_back = WorkspaceToConversation::FellBack {
            kind: FallbackKind::LiveChat,
            reason: FallbackReason::OfferExpired,
        };
        self.refusing(Input::FromWorkspace(fell_back), Origin::Workspace, now)
    }

    /// Whatever fell due by `now` (inactivity, presence, an availability check).
    pub fn tick(&mut self, now: Millis) -> Result<Vec<ChatServerMsg>, PreviewError> {
        if self.current.is_none() {
            return Ok(Vec::new());
        }
        self.run(Input::Tick, Origin::Workspace, now)
            .map(|(frames, _)| frames)
    }

    /// When to call [`Engine::tick`] next.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.current.as_ref()?.conv.next_deadline()
    }

    /// Where the walk-through stands, for the page's controls: `idle` (not started), `bot`,
    /// `waiting` (for an agent), `chatting` or `closed`.
    pub fn state(&self) -> &'static str {
        let Some(c) = &self.current else {
            return "idle";
        };
        if c.conv.is_closed() {
            return "closed";
        }
        match c.conv.live_state() {
            LiveState::Requested => "waiting",
            LiveState::Accepted => "chatting",
            _ => "bot",
        }
    }

    fn current(&self) -> Result<&Current, PreviewError> {
        self.current.as_ref().ok_or(PreviewError::NotStarted)
    }

    /// [`Engine::run`], turning a refusal of what the page simulated into an error.
    fn refusing(
        &mut self,
        input: Input,
        origin: Origin,
        now: Millis,
    ) -> Result<Vec<ChatServerMsg>, PreviewError> {
        match self.run(input, origin, now)? {
            (_, Some(refusal)) => Err(PreviewError::Refused(refusal)),
            (frames, None) => Ok(frames),
        }
    }

    /// One input through the machine, then the simulated workspace's answers in turn (as the
    /// edge's `apply` loop does). Returns the visitor's frames and the first refusal of an input
    /// that did not come from the visitor.
    fn run(
        &mut self,
        input: Input,
        origin: Origin,
        now: Millis,
    ) -> Result<(Vec<ChatServerMsg>, Option<String>), PreviewError> {
        let available = self.available;
        let c = self.current.as_mut().ok_or(PreviewError::NotStarted)?;
        let mut frames = Vec::new();
        let mut refusal = None;
        let mut queue = VecDeque::from([(input, origin)]);
        while let Some((input, origin)) = queue.pop_front() {
            let mut entries = Vec::new();
            let mut replies = Vec::new();
            let mut notices = Vec::new();
            for effect in c.conv.handle(input, now) {
                match effect {
                    Effect::Append(entry) => {
                        c.entries.push(entry.clone());
                        entries.push(ChatServerMsg::Entry { entry });
                    }
                    Effect::Reply(msg) if origin == Origin::Visitor => replies.push(msg),
                    Effect::Reply(ChatServerMsg::Error { message, .. }) => {
                        refusal.get_or_insert(message);
                    }
                    // To every socket but the sender's.
                    Effect::Relay(msg) if origin != Origin::Visitor => frames.push(msg),
                    Effect::ToVisitors(msg) => notices.push(msg),
                    Effect::ToWorkspace(msg) => {
                        if let Some(answer) = workspace_answer(msg, available) {
                            queue.push_back((Input::FromWorkspace(answer), Origin::Workspace));
                        }
                    }
                    // Nothing is stored, mailed, or sent to an agent.
                    Effect::Reply(_)
                    | Effect::Relay(_)
                    | Effect::ToAgents(_)
                    | Effect::Persist
                    | Effect::CloseAgentSockets
                    | Effect::Closed { .. }
                    | Effect::MailTranscript { .. } => {}
                }
            }
            frames.extend(entries);
            frames.extend(replies);
            frames.extend(notices);
        }
        Ok((frames, refusal))
    }
}

/// What the simulated workspace answers at once. A live chat request waits for the page's
/// "An agent joins" or "Nobody answers", unless nobody is available: then it falls back as the
/// router would. The rest (index rows, leads, failed actions, mail) is dropped.
fn workspace_answer(
    msg: ConversationToWorkspace,
    available: bool,
) -> Option<WorkspaceToConversation> {
    match msg {
        ConversationToWorkspace::RequestLiveChat { .. }
        | ConversationToWorkspace::AgentLeft { .. }
            if !available =>
        {
            Some(WorkspaceToConversation::FellBack {
                kind: FallbackKind::LiveChat,
                reason: FallbackReason::NoEligibleAgent,
            })
        }
        ConversationToWorkspace::CheckAvailability { card } => {
            Some(WorkspaceToConversation::Availability {
                card,
                can_chat: available,
            })
        }
        _ => None,
    }
}

/// The frames as the socket sends them.
pub fn to_json(frames: &[ChatServerMsg]) -> Result<Vec<String>, PreviewError> {
    frames
        .iter()
        .map(|f| serde_json::to_string(f).map_err(PreviewError::from))
        .collect()
}
