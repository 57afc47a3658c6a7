//! The admin views' rules: `update(model, msg) -> effects`.

use parlor_core::client::{refused, SESSION_ENDED};

use super::model::{Data, Effect, Model, Msg, Tab, REPORT_RANGES};
use super::privacy::EraseTarget;

pub fn update(m: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    let Some(msg) = super::designer::update(m, msg, &mut fx) else {
        return fx;
    };
    match msg {
        Msg::Init if m.session.is_some() => {
            fx.push(Effect::OpenSocket);
            fx.extend(show(m, Tab::Conversations));
            // The sites the widget runs on: one the allowed origins leave out is named on every
            // view (its visitors get no chat button).
            fx.push(Effect::Load(Tab::Embed));
        }
        Msg::SignIn {
            workspace,
            email,
            password,
            key,
        } => {
            let (workspace, email, key) = (
                workspace.trim().to_owned(),
                email.trim().to_owned(),
                key.trim().to_owned(),
            );
            m.sign_in_error = None;
            if workspace.is_empty() {
                m.sign_in_error = Some("Please enter the workspace id.".into());
            } else if !key.is_empty() {
                m.signing_in = true;
                fx.push(Effect::UseKey { workspace, key });
            } else if email.is_empty() || password.is_empty() {
                m.sign_in_error =
                    Some("Enter your email and password, or paste the workspace admin key.".into());
            } else {
                m.signing_in = true;
                fx.push(Effect::SignIn {
                    workspace,
                    email,
                    password,
                });
            }
            m.rev += 1;
        }
        Msg::SignedIn(s) => {
            m.signing_in = false;
            m.session = Some(s.clone());
            fx.push(Effect::SaveSession(s));
            fx.push(Effect::OpenSocket);
            fx.extend(show(m, Tab::Conversations));
            fx.push(Effect::Load(Tab::Embed));
        }
        Msg::SignInFailed(why) => {
            m.signing_in = false;
            m.sign_in_error = Some(why);
            m.rev += 1;
        }
        Msg::SignOut => {
            fx.push(Effect::CloseSocket);
            fx.push(Effect::ClearSession);
            *m = Model {
                rev: m.rev + 1,
                backoff: std::mem::take(&mut m.backoff),
                ..Model::default()
            };
            m.backoff.reset();
        }
        Msg::Show(tab) => fx.extend(show(m, tab)),
        Msg::LeadQuery(query) => {
            m.lead_query = query;
            fx.extend(show(m, Tab::Leads));
        }
        Msg::MoreLeads => {
            if let Some(cursor) = m.leads_next.clone() {
                fx.push(Effect::LoadLeads {
                    query: m.lead_query.clone(),
                    cursor: Some(cursor),
                });
            }
        }
        Msg::ExportLeads => fx.push(Effect::ExportLeads(m.lead_query.clone())),
        Msg::Loaded(data) => {
            match data {
                Data::Conversations(list) => {
                    m.conversations = list;
                    sort(m);
                }
                Data::Detail(d) => m.detail = Some(*d),
                Data::People(t, a) => {
                    m.teams = t;
                    m.agents = a;
                }
                Data::Settings(s) => m.settings = Some(*s),
                Data::Audit(rows) => m.audit = rows,
                Data::Outbox(rows) => m.outbox = rows,
                Data::Dialogues(d, t, drafts) => {
                    m.dialogues = d;
                    m.templates = t;
                    m.drafts = drafts;
                }
                // A slow answer for a range no longer chosen is dropped.
                Data::Report(r, days) => {
                    if days == m.report_days() {
                        m.report = Some(*r);
                    }
                }
                Data::Leads(leads, next, more) => {
                    if !more {
                        m.leads.clear();
                    }
                    m.leads.extend(leads);
                    m.leads_next = next;
                }
                Data::Webhooks(list) => {
                    if let Some(open) = &m.hook_log {
                        if !list.iter().any(|h| h.id == open.endpoint) {
                            m.hook_log = None;
                        }
                    }
                    m.webhooks = list;
                }
                Data::HookLog(log) => m.hook_log = Some(log),
                Data::Canned(list) => m.canned = list,
                Data::Sites(list) => m.sites = list,
            }
            m.rev += 1;
        }
        Msg::Failed(tab, why) => {
            if let Some(e) = &mut m.editor {
                e.busy = false;
            }
            if tab == Tab::Privacy {
                m.erasing = false;
            }
            m.flash = Some((tab, why, true));
            m.rev += 1;
        }
        Msg::Done(tab, what) => {
            m.flash = Some((tab, what, false));
            fx.extend(show(m, tab));
        }
        Msg::SocketOpened => {
            // This socket has no `welcome`: being open is as good as it gets.
            m.live = true;
            m.backoff.reset();
            m.rev += 1;
            // Catch up on what changed while the socket was closed.
            if m.tab == Some(Tab::Conversations) {
                fx.push(Effect::Load(Tab::Conversations));
            }
        }
        Msg::SocketClosed(code, reason) => {
            if m.session.is_some() && code == SESSION_ENDED {
                // Removed or demoted: back to sign-in, saying why.
                fx.extend(update(m, Msg::SignOut));
                m.sign_in_error = Some(crate::session::ended_words(&reason));
                m.rev += 1;
            } else if m.session.is_some() {
                m.live = false;
                if !refused(code) {
                    fx.push(Effect::Reconnect(m.backoff.next_delay()));
                }
                m.rev += 1;
            }
        }
        Msg::Reconnect if m.session.is_some() => fx.push(Effect::OpenSocket),
        Msg::Changed(record) => {
            if let Some(d) = &mut m.detail {
                if d.record.id == record.id {
                    fx.push(Effect::LoadDetail(record.id.clone()));
                }
            }
            match m.conversations.iter_mut().find(|r| r.id == record.id) {
                Some(r) => *r = record,
                None => m.conversations.push(record),
            }
            sort(m);
            if m.tab == Some(Tab::Conversations) {
                m.rev += 1;
            }
        }
        Msg::Filter(f) => {
            m.filter = f;
            m.rev += 1;
        }
        Msg::Open(id) => fx.push(Effect::LoadDetail(id)),
        Msg::EraseAsk(by, value) => {
            match EraseTarget::parse(&by, &value) {
                Ok(target) => {
                    m.erase_ask = Some(target);
                    m.flash = None;
                }
                Err(why) => m.flash = Some((Tab::Privacy, why, true)),
            }
            m.rev += 1;
        }
        Msg::EraseCancel => {
            m.erase_ask = None;
            m.rev += 1;
        }
        Msg::EraseConfirm => {
            if let Some(target) = m.erase_ask.take() {
                if !m.erasing {
                    m.erasing = true;
                    m.flash = None;
                    fx.push(Effect::Erase(target));
                }
            }
            m.rev += 1;
        }
        Msg::Erased(target, counts, more) => {
            m.erasing = false;
            m.flash = Some((Tab::Privacy, target.result(&counts, more), false));
            m.rev += 1;
        }
        Msg::ReportDays(days) if REPORT_RANGES.contains(&days) && days != m.report_days() => {
            m.report_days = days;
            m.report = None;
            fx.extend(show(m, Tab::Overview));
        }
        Msg::Gone(ids) => {
            m.conversations.retain(|r| !ids.contains(&r.id));
            // Their leads may be gone too (an erasure by email).
            m.leads
                .retain(|l| !ids.contains(&l.last_conversation.to_string()));
            if m.detail
                .as_ref()
                .is_some_and(|d| ids.contains(&d.record.id))
            {
                m.detail = None;
            }
            if m.tab == Some(Tab::Conversations) {
                m.rev += 1;
            }
        }
        Msg::HookSecret(secret, done) => {
            m.fresh_secret = Some(secret);
            m.flash = Some((Tab::Webhooks, done, false));
            fx.extend(show(m, Tab::Webhooks));
        }
        Msg::OpenHookLog(id) => {
            m.hook_log = Some(super::hooks::OpenLog {
                endpoint: id.clone(),
                lines: Vec::new(),
            });
            m.rev += 1;
            fx.push(Effect::LoadHookLog(id));
        }
        // Messages whose guard did not hold, and the designer's with no dialogue open.
        _ => {}
    }
    fx
}

fn show(m: &mut Model, tab: Tab) -> Vec<Effect> {
    if tab != Tab::Webhooks {
        // A secret is shown once: leaving the tab forgets it.
        m.fresh_secret = None;
    }
    if m.tab != Some(tab) && m.flash.as_ref().is_some_and(|(t, ..)| *t != tab) {
        m.flash = None;
    }
    m.tab = Some(tab);
    m.rev += 1;
    if tab == Tab::Leads {
        return vec![Effect::LoadLeads {
            query: m.lead_query.clone(),
            cursor: None,
        }];
    }
    let mut fx = vec![Effect::Load(tab)];
    // Agents, settings and dialogues also need the teams and agents for their selects.
    if matches!(tab, Tab::Agents | Tab::Dialogues) {
        fx.push(Effect::Load(Tab::Agents));
    }
    if let (Tab::Webhooks, Some(open)) = (tab, &m.hook_log) {
        fx.push(Effect::LoadHookLog(open.endpoint.clone()));
    }
    fx.dedup();
    fx
}

/// Newest first, ties by id. By insertion: the list is in order but for the record that just
/// changed, and std's sort for these records was about 3 KB of the bundle.
fn sort(m: &mut Model) {
    let v = &mut m.conversations;
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && (v[j].updated_at, &v[j].id) > (v[j - 1].updated_at, &v[j - 1].id) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use parlor_core::report::{aggregate, DayRange, ReportZone};

    use super::*;

    fn report(days: u32) -> parlor_core::report::Report {
        let zone = ReportZone::utc();
        let range =
            DayRange::last(days, parlor_core::Millis(1_780_000_000_000), &zone).expect("range");
        aggregate(&[], &range, &zone)
    }

    #[test]
    fn conversations_are_listed_newest_first_ties_by_id() {
        let rec = |id: &str, at: u64| {
            serde_json::from_value::<parlor_core::protocol::ConversationRecord>(serde_json::json!({
                "id": id, "created_at": 0, "updated_at": at, "dialogue": "d",
                "page_url": "", "status": "automated"
            }))
            .expect("record")
        };
        let mut m = Model {
            conversations: vec![
                rec("a", 1),
                rec("b", 3),
                rec("c", 2),
                rec("d", 3),
                rec("e", 1),
            ],
            ..Model::default()
        };
        sort(&mut m);
        let order: Vec<&str> = m.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(order, ["d", "b", "c", "e", "a"]);
    }

    #[test]
    fn signing_in_reads_the_sites_so_every_view_can_name_a_refused_one() {
        let session = crate::session::Session {
            workspace: "acme".into(),
            token: "t".into(),
            agent: None,
        };
        let mut m = Model::default();
        let fx = update(&mut m, Msg::SignedIn(session));
        assert!(fx.contains(&Effect::Load(Tab::Embed)));
        assert_eq!(m.tab, Some(Tab::Conversations));
        // A page reload with the session kept does the same.
        let fx = update(&mut m, Msg::Init);
        assert!(fx.contains(&Effect::Load(Tab::Embed)));
        let site = |origin: &str, allowed| parlor_core::sites::Site {
            origin: origin.into(),
            first_seen: 1,
            last_seen: 2,
            allowed,
        };
        update(
            &mut m,
            Msg::Loaded(Data::Sites(vec![
                site("https://a.example", true),
                site("https://b.example", false),
            ])),
        );
        assert_eq!(m.sites.iter().filter(|s| !s.allowed).count(), 1);
    }

    #[test]
    fn the_overview_is_the_first_tab_and_defaults_to_a_week() {
        assert_eq!(Tab::ALL[0], Tab::Overview);
        let m = Model::default();
        assert_eq!(m.report_days(), 7);
    }

    #[test]
    fn choosing_a_range_reloads_and_a_late_answer_for_another_range_is_dropped() {
        let mut m = Model::default();
        let fx = update(&mut m, Msg::ReportDays(30));
        assert_eq!(m.report_days(), 30);
        assert!(fx.contains(&Effect::Load(Tab::Overview)));
        assert_eq!(m.tab, Some(Tab::Overview));
        // The week asked for before arrives late: not shown under "Last 30 days".
        update(&mut m, Msg::Loaded(Data::Report(Box::new(report(7)), 7)));
        assert!(m.report.is_none());
        update(&mut m, Msg::Loaded(Data::Report(Box::new(report(30)), 30)));
        assert_eq!(m.report.as_ref().map(|r| r.days.len()), Some(30));
        // A range the page does not offer is ignored.
        assert!(update(&mut m, Msg::ReportDays(365)).is_empty());
        assert_eq!(m.report_days(), 30);
    }
}
