//! Agents' inbox sockets and admin view sockets on the workspace object: frames in, machine
//! inputs out.

use parlor_core::protocol::{InboxClientMsg, InboxServerMsg, PROTOCOL_VERSION};
use parlor_core::workspace::WorkspaceInput;
use parlor_core::AgentId;
use worker::{Response, WebSocket, WebSocketPair};

use crate::error::ApiResult;
use crate::workspace::access::Caller;
use crate::workspace::sockets::{admin_tag, agent_tag, send_json, Attachment};
use crate::workspace::WorkspaceDO;

impl WorkspaceDO {
    /// An agent's inbox, opened with a session of epoch `epoch` (checked again on every frame)
    /// that ends at `until` (the socket closes then).
    pub(super) async fn open_inbox(
        &self,
        agent: &str,
        epoch: u64,
        until: Option<u64>,
    ) -> ApiResult<Response> {
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[&agent_tag(agent)]);
        pair.server.serialize_attachment(&Attachment::Agent {
            agent: agent.to_owned(),
            epoch,
            until: until.unwrap_or(0),
        })?;
        self.close_at_session_end(until).await?;
        let input = WorkspaceInput::InboxOpened {
            agent: AgentId::new(agent),
        };
        self.run(input, None).await?;
        Ok(Response::from_websocket(pair.client)?)
    }

    /// An admin view, closed when the session that opened it ends (`until`). One an agent
    /// opened is tagged with their id, so that removing or demoting them closes it.
    pub(super) async fn open_admin(&self, who: &Caller, until: Option<u64>) -> ApiResult<Response> {
        let pair = WebSocketPair::new()?;
        let attachment = match who {
            Caller::Admin => {
                self.state
                    .accept_websocket_with_tags(&pair.server, &["admin"]);
                Attachment::Admin {
                    agent: None,
                    epoch: 0,
                    until: until.unwrap_or(0),
                }
            }
            Caller::Agent { id, epoch, .. } => {
                self.state
                    .accept_websocket_with_tags(&pair.server, &["admin", &admin_tag(id)]);
                Attachment::Admin {
                    agent: Some(id.clone()),
                    epoch: *epoch,
                    until: until.unwrap_or(0),
                }
            }
        };
        pair.server.serialize_attachment(&attachment)?;
        self.close_at_session_end(until).await?;
        Ok(Response::from_websocket(pair.client)?)
    }

    pub(super) async fn inbox_message(
        &self,
        ws: &WebSocket,
        agent: &str,
        msg: InboxClientMsg,
    ) -> ApiResult<()> {
        let id = AgentId::new(agent);
        match msg {
            InboxClientMsg::Hello { v } => {
                if v != PROTOCOL_VERSION {
                    // As on the conversation socket: a frame that says why, then a close
                    // code that tells the client not to reconnect with the same build.
                    send_json(
                        ws,
                        &InboxServerMsg::Error {
                            code: "unsupported_version".into(),
                            message: "Please reload the page.".into(),
                        },
                    );
                    let _ = ws.close(Some(4000), Some("unsupported protocol version"));
                    return Ok(());
                }
                send_json(ws, &self.welcome(&id)?);
            }
            InboxClientMsg::SetPresence { presence } => {
                let input = WorkspaceInput::SetPresence {
                    agent: id.clone(),
                    presence,
                };
                self.run(input, Some(ws)).await?;
                send_json(ws, &self.welcome(&id)?);
            }
            InboxClientMsg::Accept { offer } => {
                self.run(WorkspaceInput::Accept { agent: id, offer }, Some(ws))
                    .await?;
            }
            InboxClientMsg::Decline { offer } => {
                self.run(WorkspaceInput::Decline { agent: id, offer }, Some(ws))
                    .await?;
            }
            InboxClientMsg::Colleagues => {
                self.run(WorkspaceInput::Colleagues { agent: id }, Some(ws))
                    .await?;
            }
            InboxClientMsg::Transfer { conversation, to } => {
                let input = WorkspaceInput::Transfer {
                    agent: id,
                    conversation,
                    to,
                };
                self.run(input, Some(ws)).await?;
            }
        }
        Ok(())
    }
}
