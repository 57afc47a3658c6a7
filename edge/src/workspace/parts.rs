//! The workspace machine in storage, in parts: the router's roster (settings, agents, teams:
//! kv `router_head`, written only when it changes) and its counters (kv `router_counters`, a
//! few bytes every decision moves), one row per outstanding offer and per accepted chat, the
//! agents' presence and profiles (kv `people`), and the latest settled request of recent
//! conversations (`router_settled`). A decision rewrites a few small rows, not the whole
//! machine, and nothing whose size grows with the number of agents.

use std::cell::RefCell;
use std::collections::BTreeMap;

use parlor_core::routing::{Changes, Chat, Counters, Pending, Router, RouterHead};
use parlor_core::workspace::{Person, Settled, Workspace, WorkspaceChanges};
use parlor_core::{AgentId, ConversationId};
use serde::Deserialize;
use worker::SqlStorage;

use crate::error::{ApiError, ApiResult};
use crate::sql::{exec, int, kv_get, kv_put, rows};

/// The roster; heads stored before the counters were apart hold their counters too.
const ROSTER_KEY: &str = "router_head";
const COUNTERS_KEY: &str = "router_counters";
const PEOPLE_KEY: &str = "people";
/// The whole router as one JSON value: the oldest format, converted on first load.
const LEGACY_ROUTER_KEY: &str = "router";

#[derive(Deserialize)]
struct OfferRow {
    offer: u64,
    body: String,
}

#[derive(Deserialize)]
struct ChatRow {
    conversation: String,
    body: String,
}

#[derive(Deserialize)]
struct SettledRow {
    conversation: String,
    request: u32,
}

// Built once per instance and taken apart at once: boxing the router buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum LoadedParts {
    Stored {
        router: Router,
        people: BTreeMap<AgentId, Person>,
        settled: Settled,
        /// The counters JSON as stored (empty when only a head holds them), to skip
        /// rewriting them unchanged.
        counters: String,
    },
    /// Nothing stored yet (or only the oldest format, which is rebuilt from the agents).
    Fresh,
}

pub fn load(sql: &SqlStorage) -> ApiResult<LoadedParts> {
    let Some(head) = kv_get::<RouterHead>(sql, ROSTER_KEY)? else {
        exec(
            sql,
            "DELETE FROM kv WHERE key = ?",
            vec![LEGACY_ROUTER_KEY.into()],
        )?;
        return Ok(LoadedParts::Fresh);
    };
    let stored_counters = kv_get::<Counters>(sql, COUNTERS_KEY)?;
    let has_counters = stored_counters.is_some();
    let head = match stored_counters {
        Some(counters) => head.with_counters(counters),
        None => head,
    };
    let offers: Vec<OfferRow> = rows(sql, "SELECT offer, body FROM router_offers", vec![])?;
    let chats: Vec<ChatRow> = rows(sql, "SELECT conversation, body FROM router_chats", vec![])?;
    let router = from_rows(head, offers, chats)?;
    // Serialised the same way they were stored; none stored yet: the next store writes them.
    let counters = if has_counters {
        counters_json(&router)?
    } else {
        String::new()
    };
    let people = match kv_get::<BTreeMap<AgentId, Person>>(sql, PEOPLE_KEY)? {
        Some(people) => people,
        None => legacy_people(sql, &router)?,
    };
    let settled: Vec<SettledRow> = rows(
        sql,
        "SELECT conversation, request FROM router_settled ORDER BY seq",
        vec![],
    )?;
    let settled = Settled::from_rows(
        settled
            .into_iter()
            .map(|r| (ConversationId::new(r.conversation), r.request)),
    );
    Ok(LoadedParts::Stored {
        router,
        people,
        settled,
        counters,
    })
}

fn from_rows(head: RouterHead, offers: Vec<OfferRow>, chats: Vec<ChatRow>) -> ApiResult<Router> {
    let offers = offers
        .into_iter()
        .map(|r| Ok((r.offer, serde_json::from_str::<Pending>(&r.body)?)))
        .collect::<ApiResult<Vec<_>>>()?;
    let chats = chats
        .into_iter()
        .map(|r| {
            Ok((
                ConversationId::new(r.conversation),
                serde_json::from_str::<Chat>(&r.body)?,
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Router::from_parts(head, offers, chats)
        .map_err(|e| ApiError::Internal(format!("stored router: {e}")))
}

/// Before the machine kept people: profiles from the agents table, choices from `chose:*`.
fn legacy_people(sql: &SqlStorage, router: &Router) -> ApiResult<BTreeMap<AgentId, Person>> {
    let mut people = BTreeMap::new();
    for a in super::store::agents(sql)? {
        let id = AgentId::new(a.id.clone());
        if router.agent(&id).is_none() {
            continue;
        }
        let chose = kv_get::<bool>(sql, &format!("chose:{}", a.id))?.is_some();
        people.insert(id, person(&a, chose));
    }
    Ok(people)
}

fn person(a: &super::store::Agent, chose: bool) -> Person {
    Person {
        profile: parlor_core::protocol::AgentProfile {
            name: a.name.clone(),
            avatar_url: a.avatar_url.clone(),
        },
        chose,
        gone_since: None,
        offers_moved: false,
        chats_moved: false,
        push_devices: 0,
    }
}

/// Everything, as changed: for a first store in parts.
pub fn all_changed(machine: &mut Workspace) -> WorkspaceChanges {
    let _ = machine.take_changes();
    WorkspaceChanges {
        router: machine.router().all_changed(),
        people: true,
        settled: machine.settled().rows().map(|(c, _)| c.clone()).collect(),
        forgotten: Vec::new(),
    }
}

/// Writes what changed. Synchronous, so it commits with whatever the caller writes next.
pub fn store(
    sql: &SqlStorage,
    machine: &Workspace,
    changes: &WorkspaceChanges,
    stored_counters: &RefCell<String>,
) -> ApiResult<()> {
    let router = machine.router();
    if changes.router.roster {
        kv_put_raw(sql, ROSTER_KEY, &roster_json(router)?)?;
    }
    let counters = counters_json(router)?;
    if *stored_counters.borrow() != counters {
        kv_put_raw(sql, COUNTERS_KEY, &counters)?;
        *stored_counters.borrow_mut() = counters;
    }
    for write in row_writes(router, &changes.router)? {
        match write {
            RowWrite::PutOffer { offer, body } => exec(
                sql,
                "INSERT INTO router_offers (offer, body) VALUES (?, ?) ON CONFLICT(offer) DO UPDATE SET body = excluded.body",
                vec![int(offer), body.into()],
            )?,
            RowWrite::DeleteOffer { offer } => {
                exec(sql, "DELETE FROM router_offers WHERE offer = ?", vec![int(offer)])?
            }
            RowWrite::PutChat { conversation, body } => exec(
                sql,
                "INSERT INTO router_chats (conversation, body) VALUES (?, ?) ON CONFLICT(conversation) DO UPDATE SET body = excluded.body",
                vec![conversation.as_str().into(), body.into()],
            )?,
            RowWrite::DeleteChat { conversation } => exec(
                sql,
                "DELETE FROM router_chats WHERE conversation = ?",
                vec![conversation.as_str().into()],
            )?,
        }
    }
    if changes.people {
        kv_put(sql, PEOPLE_KEY, machine.people())?;
    }
    let settled = machine.settled();
    for conversation in &changes.settled {
        if let Some(request) = settled.latest(conversation) {
            exec(
                sql,
                "INSERT INTO router_settled (conversation, request) VALUES (?, ?) \
                 ON CONFLICT(conversation) DO UPDATE SET request = excluded.request",
                vec![conversation.as_str().into(), int(u64::from(request))],
            )?;
        }
    }
    for conversation in &changes.forgotten {
        exec(
            sql,
            "DELETE FROM router_settled WHERE conversation = ?",
            vec![conversation.as_str().into()],
        )?;
    }
    Ok(())
}

/// The router's roster as stored under `router_head`.
pub fn roster_json(router: &Router) -> ApiResult<String> {
    Ok(serde_json::to_string(&router.roster())?)
}

/// The router's counters as stored under `router_counters`.
pub fn counters_json(router: &Router) -> ApiResult<String> {
    Ok(serde_json::to_string(&router.counters())?)
}

/// One row [`store`] writes or deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowWrite {
    PutOffer {
        offer: u64,
        body: String,
    },
    DeleteOffer {
        offer: u64,
    },
    PutChat {
        conversation: ConversationId,
        body: String,
    },
    DeleteChat {
        conversation: ConversationId,
    },
}

/// The offer and chat rows to write for `changes`, offers first, each in id order: a row
/// for what is still held, a deletion for what is gone.
pub fn row_writes(router: &Router, changes: &Changes) -> ApiResult<Vec<RowWrite>> {
    let mut writes = Vec::with_capacity(changes.pending.len() + changes.chats.len());
    for &offer in &changes.pending {
        writes.push(match router.pending_part(offer) {
            Some(p) => RowWrite::PutOffer {
                offer,
                body: serde_json::to_string(p)?,
            },
            None => RowWrite::DeleteOffer { offer },
        });
    }
    for conversation in &changes.chats {
        writes.push(match router.chat_part(conversation) {
            Some(c) => RowWrite::PutChat {
                conversation: conversation.clone(),
                body: serde_json::to_string(c)?,
            },
            None => RowWrite::DeleteChat {
                conversation: conversation.clone(),
            },
        });
    }
    Ok(writes)
}

fn kv_put_raw(sql: &SqlStorage, key: &str, json: &str) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![key.into(), json.into()],
    )
}

#[cfg(test)]
mod tests {
    //! The rows `store` writes, kept in memory exactly as SQLite keeps them, and rebuilt the
    //! way `load` rebuilds them.

    use parlor_core::link::{ConversationToWorkspace, FromConversation};
    use parlor_core::protocol::{AgentProfile, EndReason};
    use parlor_core::routing::{Routing, RoutingSettings, VisitorFacts};
    use parlor_core::workspace::{WorkspaceInput, PRESENCE_GRACE};
    use parlor_core::{Millis, TeamId, WorkspaceId};

    use super::*;
    use crate::identity::Role;

    const T0: Millis = Millis(1_700_000_000_000);

    /// The `router_head`, `router_counters` and `people` kv values and the two row tables.
    #[derive(Default)]
    struct Rows {
        roster: String,
        roster_writes: usize,
        counters: String,
        counters_writes: usize,
        offers: BTreeMap<u64, String>,
        chats: BTreeMap<ConversationId, String>,
        people: Option<String>,
    }

    impl Rows {
        /// What `store` does, with maps for tables.
        fn store(&mut self, machine: &Workspace, changes: &WorkspaceChanges) {
            if changes.router.roster {
                self.roster = roster_json(machine.router()).expect("roster");
                self.roster_writes += 1;
            }
            let counters = counters_json(machine.router()).expect("counters");
            if self.counters != counters {
                self.counters = counters;
                self.counters_writes += 1;
            }
            for write in row_writes(machine.router(), &changes.router).expect("rows") {
                match write {
                    RowWrite::PutOffer { offer, body } => {
                        self.offers.insert(offer, body);
                    }
                    RowWrite::DeleteOffer { offer } => {
                        self.offers.remove(&offer);
                    }
                    RowWrite::PutChat { conversation, body } => {
                        self.chats.insert(conversation, body);
                    }
                    RowWrite::DeleteChat { conversation } => {
                        self.chats.remove(&conversation);
                    }
                }
            }
            if changes.people {
                self.people = Some(serde_json::to_string(machine.people()).expect("people"));
            }
        }

        /// What `load` does.
        fn head(&self) -> RouterHead {
            let counters: Counters = serde_json::from_str(&self.counters).expect("counters");
            serde_json::from_str::<RouterHead>(&self.roster)
                .expect("roster")
                .with_counters(counters)
        }

        fn load(&self) -> Workspace {
            let head = self.head();
            let offers = self
                .offers
                .iter()
                .map(|(&offer, body)| OfferRow {
                    offer,
                    body: body.clone(),
                })
                .collect();
            let chats = self
                .chats
                .iter()
                .map(|(c, body)| ChatRow {
                    conversation: c.as_str().to_owned(),
                    body: body.clone(),
                })
                .collect();
            let router = from_rows(head, offers, chats).expect("router");
            let people = serde_json::from_str(self.people.as_deref().expect("people stored"))
                .expect("people");
            Workspace::from_parts(WorkspaceId::new("acme"), router, people)
        }
    }

    fn agent(id: &str) -> AgentId {
        AgentId::new(id)
    }

    fn upsert(id: &str, name: &str) -> WorkspaceInput {
        WorkspaceInput::UpsertAgent {
            agent: agent(id),
            live_chat: true,
            teams: vec![TeamId::new("sales")],
            profile: AgentProfile {
                name: name.into(),
                avatar_url: None,
            },
        }
    }

    fn request(conversation: &str) -> WorkspaceInput {
        WorkspaceInput::FromConversation(FromConversation {
            conversation: ConversationId::new(conversation),
            messages: vec![ConversationToWorkspace::RequestLiveChat {
                request: 1,
                routing: Routing::Team {
                    team: TeamId::new("sales"),
                },
                facts: VisitorFacts {
                    page_url: format!("https://shop.example/{conversation}"),
                    ..VisitorFacts::default()
                },
            }],
        })
    }

    fn offer_for(w: &Workspace, who: &str, conversation: &str) -> u64 {
        w.router()
            .offers_of(&agent(who))
            .into_iter()
            .find(|o| o.conversation.as_str() == conversation)
            .map(|o| o.offer)
            .expect("offer")
    }

    /// Runs `input` and stores what changed, as `step` does.
    fn run(w: &mut Workspace, rows: &mut Rows, input: WorkspaceInput, now: Millis) {
        let _ = w.handle(input, now);
        let changes = w.take_changes();
        rows.store(w, &changes);
    }

    fn assert_same(a: &Workspace, b: &Workspace) {
        assert_eq!(
            serde_json::to_value(a.router()).expect("router"),
            serde_json::to_value(b.router()).expect("router")
        );
        assert_eq!(a.people(), b.people());
        assert_eq!(a.next_deadline(), b.next_deadline());
        for who in ["eve", "bob", "ann"] {
            assert_eq!(a.welcome(&agent(who)), b.welcome(&agent(who)), "{who}");
        }
        assert_eq!(a.preview_pace(), b.preview_pace());
        b.router().check_invariants().expect("invariants");
    }

    /// Eve and Bob in the sales team with their inboxes open, Ann without; stored fresh.
    fn stored_workspace() -> (Workspace, Rows) {
        let mut w = Workspace::new(WorkspaceId::new("acme"), RoutingSettings::default());
        for (id, name) in [("eve", "Eve"), ("bob", "Bob"), ("ann", "Ann")] {
            let _ = w.handle(upsert(id, name), T0);
        }
        let mut rows = Rows::default();
        let changes = all_changed(&mut w);
        rows.store(&w, &changes);
        for id in ["eve", "bob"] {
            run(
                &mut w,
                &mut rows,
                WorkspaceInput::InboxOpened { agent: agent(id) },
                T0,
            );
        }
        (w, rows)
    }

    #[test]
    fn the_machine_stored_in_parts_loads_back_the_same_after_every_step() {
        let (mut w, mut rows) = stored_workspace();
        assert_same(&w, &rows.load());
        let mut now = T0;
        for c in ["c1", "c2", "c3"] {
            now = now.after(Millis(1_000));
            run(&mut w, &mut rows, request(c), now);
            assert_same(&w, &rows.load());
        }
        assert_eq!(rows.offers.len(), 3);
        assert!(rows.chats.is_empty());

        let offer = offer_for(&w, "eve", "c1");
        let accept = WorkspaceInput::Accept {
            agent: agent("eve"),
            offer,
        };
        run(&mut w, &mut rows, accept, now);
        assert_same(&w, &rows.load());
        assert_eq!(rows.offers.len(), 2);
        assert_eq!(rows.chats.len(), 1);

        let offer = offer_for(&w, "bob", "c2");
        let decline = WorkspaceInput::Decline {
            agent: agent("bob"),
            offer,
        };
        run(&mut w, &mut rows, decline, now);
        assert_same(&w, &rows.load());

        // Bob's inbox closes: his offers wait for the grace, which is a stored deadline.
        run(
            &mut w,
            &mut rows,
            WorkspaceInput::InboxClosed {
                agent: agent("bob"),
            },
            now,
        );
        let loaded = rows.load();
        assert_same(&w, &loaded);
        assert_eq!(
            loaded.people()[&agent("bob")].gone_since,
            Some(now),
            "the grace survives a reload"
        );
        assert!(loaded.next_deadline() <= Some(now.after(PRESENCE_GRACE)));

        let set = WorkspaceInput::SetPresence {
            agent: agent("eve"),
            presence: parlor_core::protocol::Presence::Away,
        };
        run(&mut w, &mut rows, set, now);
        assert_same(&w, &rows.load());

        let close = WorkspaceInput::FromConversation(FromConversation {
            conversation: ConversationId::new("c1"),
            messages: vec![ConversationToWorkspace::ChatClosed {
                request: 1,
                agent: agent("eve"),
                reason: EndReason::EndedByVisitor,
            }],
        });
        run(&mut w, &mut rows, close, now);
        assert_same(&w, &rows.load());
        assert!(rows.chats.is_empty());

        // Past every deadline: offers time out and fall back, graces end.
        run(
            &mut w,
            &mut rows,
            WorkspaceInput::Tick,
            Millis(now.0 + 10_000_000),
        );
        assert_same(&w, &rows.load());
        assert!(rows.offers.is_empty());
    }

    #[test]
    fn rows_written_step_by_step_equal_the_machine_written_whole() {
        let (mut w, mut rows) = stored_workspace();
        for c in ["c1", "c2"] {
            run(&mut w, &mut rows, request(c), T0);
        }
        let offer = offer_for(&w, "eve", "c1");
        let accept = WorkspaceInput::Accept {
            agent: agent("eve"),
            offer,
        };
        run(&mut w, &mut rows, accept, T0);

        let mut whole = Rows::default();
        let changes = all_changed(&mut w);
        whole.store(&w, &changes);
        assert_eq!(whole.roster, rows.roster);
        assert_eq!(whole.counters, rows.counters);
        assert_eq!(whole.offers, rows.offers);
        assert_eq!(whole.chats, rows.chats);
        assert_eq!(whole.people, rows.people);
    }

    #[test]
    fn an_accept_deletes_the_offer_row_and_writes_a_chat_row() {
        let (mut w, mut rows) = stored_workspace();
        run(&mut w, &mut rows, request("c1"), T0);
        let offer = offer_for(&w, "eve", "c1");
        let _ = w.handle(
            WorkspaceInput::Accept {
                agent: agent("eve"),
                offer,
            },
            T0,
        );
        let changes = w.take_changes();
        let writes = row_writes(w.router(), &changes.router).expect("rows");
        let c1 = ConversationId::new("c1");
        let body = serde_json::to_string(w.router().chat_part(&c1).expect("chat")).expect("json");
        assert_eq!(
            writes,
            vec![
                RowWrite::DeleteOffer { offer },
                RowWrite::PutChat {
                    conversation: c1.clone(),
                    body,
                },
            ]
        );

        let _ = w.handle(
            WorkspaceInput::FromConversation(FromConversation {
                conversation: c1.clone(),
                messages: vec![ConversationToWorkspace::ChatClosed {
                    request: 1,
                    agent: agent("eve"),
                    reason: EndReason::Expired,
                }],
            }),
            T0,
        );
        let changes = w.take_changes();
        assert_eq!(
            row_writes(w.router(), &changes.router).expect("rows"),
            vec![RowWrite::DeleteChat { conversation: c1 }]
        );
    }

    #[test]
    fn a_step_that_changes_nothing_writes_no_row_and_keeps_the_head() {
        let (mut w, mut rows) = stored_workspace();
        run(&mut w, &mut rows, request("c1"), T0);
        let writes = (rows.roster_writes, rows.counters_writes);
        let before = (rows.offers.clone(), rows.people.clone());
        // A tick before any deadline.
        let _ = w.handle(WorkspaceInput::Tick, T0);
        let changes = w.take_changes();
        assert_eq!(changes, WorkspaceChanges::default());
        assert!(row_writes(w.router(), &changes.router)
            .expect("rows")
            .is_empty());
        rows.store(&w, &changes);
        assert_eq!(
            (rows.roster_writes, rows.counters_writes),
            writes,
            "neither the roster nor the counters are rewritten"
        );
        assert_eq!((rows.offers.clone(), rows.people.clone()), before);
    }

    #[test]
    fn all_changed_lists_every_part_and_clears_what_was_pending() {
        let (mut w, mut rows) = stored_workspace();
        for c in ["c1", "c2"] {
            run(&mut w, &mut rows, request(c), T0);
        }
        let _ = w.handle(request("c3"), T0);
        let all = all_changed(&mut w);
        assert!(all.people);
        assert_eq!(all.router.pending.len(), 3);
        assert!(all.router.chats.is_empty());
        assert_eq!(w.take_changes(), WorkspaceChanges::default());
    }

    #[test]
    fn roster_and_counters_are_the_router_as_it_serialises_minus_offers_and_chats() {
        let (mut w, mut rows) = stored_workspace();
        run(&mut w, &mut rows, request("c1"), T0);
        let roster: serde_json::Value = serde_json::from_str(&rows.roster).expect("json");
        let counters: serde_json::Value = serde_json::from_str(&rows.counters).expect("json");
        let mut whole = serde_json::to_value(w.router()).expect("router");
        let whole = whole.as_object_mut().expect("object");
        whole.remove("pending");
        whole.remove("chats");
        let mut team_cursors = Vec::new();
        for team in whole["teams"].as_array_mut().expect("teams") {
            team_cursors.push(team.as_object_mut().expect("team").remove("cursor"));
        }
        let expected = serde_json::json!({
            "cursor": whole.remove("cursor"),
            "engagements": whole.remove("engagements"),
            "next_offer": whole.remove("next_offer"),
            "team_cursors": team_cursors,
        });
        assert_eq!(counters, expected);
        assert_eq!(&roster, &serde_json::Value::Object(whole.clone()));
    }

    #[test]
    fn a_routing_decision_writes_the_counters_and_not_the_roster() {
        let (mut w, mut rows) = stored_workspace();
        let roster_writes = rows.roster_writes;
        run(&mut w, &mut rows, request("c1"), T0);
        let offer = offer_for(&w, "eve", "c1");
        let accept = WorkspaceInput::Accept {
            agent: agent("eve"),
            offer,
        };
        run(&mut w, &mut rows, accept, T0);
        assert_eq!(
            rows.roster_writes, roster_writes,
            "the roster is not rewritten"
        );
        assert!(
            rows.counters_writes >= 2,
            "the offer number, then the engagement"
        );
        // Presence is the roster's: a change of it is written.
        let away = WorkspaceInput::SetPresence {
            agent: agent("bob"),
            presence: parlor_core::protocol::Presence::Away,
        };
        run(&mut w, &mut rows, away, T0);
        assert_eq!(rows.roster_writes, roster_writes + 1);
        assert_same(&w, &rows.load());
    }

    #[test]
    fn a_head_stored_with_its_counters_loads_and_the_counters_are_then_written_apart() {
        let (mut w, mut rows) = stored_workspace();
        run(&mut w, &mut rows, request("c1"), T0);
        // As versions before the split stored it: the whole head, no counters row.
        let mut old = Rows {
            roster: serde_json::to_string(&w.router().head()).expect("head"),
            counters: String::new(),
            ..Rows::default()
        };
        let head: RouterHead = serde_json::from_str(&old.roster).expect("old head");
        let router = from_rows(head, Vec::new(), Vec::new()).expect("router");
        assert_eq!(router.counters(), w.router().counters());
        // `load` then keeps an empty stored copy, so the next store writes the counters row
        // (and not the roster, which did not change).
        old.store(&w, &WorkspaceChanges::default());
        assert_eq!((old.roster_writes, old.counters_writes), (0, 1));
        assert_eq!(old.counters, counters_json(w.router()).expect("counters"));
    }

    #[test]
    fn corrupt_rows_fail_to_load_instead_of_loading_wrong() {
        let (mut w, mut rows) = stored_workspace();
        run(&mut w, &mut rows, request("c1"), T0);
        let head = || rows.head();

        let bad_json = vec![OfferRow {
            offer: 1,
            body: "{".into(),
        }];
        assert!(matches!(
            from_rows(head(), bad_json, Vec::new()),
            Err(ApiError::Internal(_))
        ));

        let (&offer, body) = rows.offers.iter().next().expect("an offer row");
        let unknown_agent = vec![ChatRow {
            conversation: "c9".into(),
            body: serde_json::json!({ "agent": 99, "since": T0.0, "offer": offer }).to_string(),
        }];
        match from_rows(head(), Vec::new(), unknown_agent) {
            Err(ApiError::Internal(m)) => assert!(m.starts_with("stored router: "), "{m}"),
            other => panic!("loaded: {:?}", other.map(|_| ())),
        }

        // The same conversation both offered and accepted.
        let offers = vec![OfferRow {
            offer,
            body: body.clone(),
        }];
        let chats = vec![ChatRow {
            conversation: "c1".into(),
            body: serde_json::json!({ "agent": 0, "since": T0.0, "offer": offer }).to_string(),
        }];
        assert!(matches!(
            from_rows(head(), offers, chats),
            Err(ApiError::Internal(_))
        ));
    }

    #[test]
    fn people_stored_before_presence_was_kept_still_load() {
        let people: BTreeMap<AgentId, Person> =
            serde_json::from_str(r#"{"eve":{"profile":{"name":"Eve"}}}"#).expect("people");
        let eve = &people[&agent("eve")];
        assert_eq!(eve.profile.name, "Eve");
        assert_eq!(eve.profile.avatar_url, None);
        assert!(!eve.chose);
        assert_eq!(eve.gone_since, None);
    }

    #[test]
    fn a_legacy_person_comes_from_the_agents_table() {
        let a = super::super::store::Agent {
            id: "eve".into(),
            email: "eve@acme.example".into(),
            name: "Eve".into(),
            avatar_url: Some("https://cdn.example/eve.png".into()),
            live_chat: true,
            role: Role::Agent,
            teams: vec!["sales".into()],
        };
        let p = person(&a, true);
        assert_eq!(
            p.profile,
            AgentProfile {
                name: "Eve".into(),
                avatar_url: Some("https://cdn.example/eve.png".into()),
            }
        );
        assert!(p.chose);
        assert_eq!(p.gone_since, None, "a legacy person starts with no grace");
        assert!(!person(&a, false).chose);
    }
}
