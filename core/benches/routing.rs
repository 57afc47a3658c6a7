//! Routing decisions per second with 1,000 agents.
//!
//! One element = one live chat request routed to an agent, plus the follow-up that frees the
//! slot again (accept + release, or cancel), so the state stays steady across iterations.
//! Run: `cargo bench -p parlor-core --bench routing`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use parlor_core::routing::{
    Condition, Operator, Plan, Router, Routing, RoutingEffect, RoutingSettings, Rule, RuleTarget,
    Subject, VisitorFacts,
};
use parlor_core::{AgentId, ConversationId, Millis, TeamId};
use std::hint::black_box;

const AGENTS: usize = 1_000;

fn router(offline_every: usize) -> Router {
    let mut r = Router::new(RoutingSettings::with_plan(Plan::Prime));
    for i in 0..AGENTS {
        let a = AgentId::new(format!("agent-{i}"));
        r.upsert_agent(
            a.clone(),
            true,
            vec![TeamId::new(format!("team-{}", i % 10))],
            Millis::ZERO,
        );
        let online = offline_every == 0 || i % offline_every != 0;
        r.set_presence(&a, online, true, Millis::ZERO);
    }
    r
}

fn rules() -> Routing {
    let cond = |subject, op, v: &[&str]| Condition {
        subject,
        op,
        values: v.iter().map(|s| s.to_string()).collect(),
    };
    Routing::Rules {
        rules: vec![
            Rule {
                conditions: vec![cond(Subject::Country, Operator::Equals, &["de"])],
                target: RuleTarget::Team {
                    team: TeamId::new("team-1"),
                },
            },
            Rule {
                conditions: vec![cond(Subject::PageUrl, Operator::Contains, &["/careers"])],
                target: RuleTarget::Agent {
                    agent: AgentId::new("agent-3"),
                },
            },
            Rule {
                conditions: vec![
                    cond(
                        Subject::Field("email".into()),
                        Operator::EmailDomain,
                        &["acme.com", "example.org"],
                    ),
                    cond(Subject::Language, Operator::StartsWith, &["fr"]),
                ],
                target: RuleTarget::Team {
                    team: TeamId::new("team-7"),
                },
            },
            Rule {
                conditions: vec![],
                target: RuleTarget::Team {
                    team: TeamId::new("team-9"),
                },
            },
        ],
    }
}

fn facts() -> VisitorFacts {
    let mut f = VisitorFacts::default();
    f.fields.insert("first_name".into(), "Jane".into());
    f.fields.insert("email".into(), "jane@acme.com".into());
    f.page_url = "https://shop.example.com/pricing".into();
    f.language = "fr-FR".into();
    f.country = "FR".into();
    f
}

fn offer_of(fx: &[RoutingEffect]) -> (u64, AgentId) {
    match fx.first() {
        Some(RoutingEffect::Offered { offer, agent, .. }) => (*offer, agent.clone()),
        other => panic!("expected an offer, got {other:?}"),
    }
}

fn bench(c: &mut Criterion) {
    let convs: Vec<ConversationId> = (0..4096)
        .map(|i| ConversationId::new(format!("conv-{i:08}")))
        .collect();
    let facts = facts();
    let mut g = c.benchmark_group("routing_1000_agents");
    g.throughput(Throughput::Elements(1));

    let cases: [(&str, Routing, usize); 3] = [
        ("round_robin", Routing::RoundRobin, 0),
        ("round_robin_half_offline", Routing::RoundRobin, 2),
        ("rules_to_team", rules(), 0),
    ];
    for (name, routing, offline_every) in cases {
        g.bench_function(BenchmarkId::new("request_accept_release", name), |b| {
            let mut r = router(offline_every);
            let mut i = 0usize;
            let now = Millis(1_000);
            b.iter(|| {
                let conv = &convs[i & 4095];
                i = i.wrapping_add(1);
                let fx = r.request(conv.clone(), &routing, &facts, now);
                let (offer, agent) = offer_of(&fx);
                black_box(fx);
                black_box(r.accept(&agent, offer, now).ok());
                black_box(r.release(conv, now));
            });
        });
        g.bench_function(BenchmarkId::new("request_cancel", name), |b| {
            let mut r = router(offline_every);
            let mut i = 0usize;
            let now = Millis(1_000);
            b.iter(|| {
                let conv = &convs[i & 4095];
                i = i.wrapping_add(1);
                black_box(r.request(conv.clone(), &routing, &facts, now));
                black_box(r.cancel(conv, now));
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
