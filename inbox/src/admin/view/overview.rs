//! The Overview tab: range picker, headline numbers, the stacked bar chart (SVG drawn here,
//! no library), the per-agent table and the missed-by-reason table.

use web_sys::Element;

use crate::admin::model::{Model, REPORT_RANGES};
use crate::admin::overview::{chart, duration, headline, missed_rows, series, Chart};
pub(super) use crate::dom::svg_el;
use crate::dom::{button, el, text_el, SetAttr};
use crate::fmt::num;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 240.0;

fn set(e: &Element, pairs: &[(&str, String)]) {
    for (k, v) in pairs {
        e.set_attr(k, v);
    }
}

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Overview", panel);
    let picker = el("div", "toolbar", panel);
    picker.set_attr("role", "group");
    crate::dom::aria(&picker, "Period");
    for days in REPORT_RANGES {
        let b = button("", &format!("Last {days} days"), "report-days", &picker);
        b.set_attr("data-days", &days.to_string());
        let on = m.report_days() == days;
        b.set_attr("aria-pressed", if on { "true" } else { "false" });
        if on {
            b.set_class_name("primary");
        }
    }
    let Some(r) = &m.report else {
        text_el("p", "muted", "Loading the report…", panel);
        return;
    };
    text_el(
        "p",
        "muted",
        &format!(
            "{} to {}, days in {}. Each conversation counts on the day it started.",
            r.from, r.to, r.time_zone
        ),
        panel,
    );
    let cards = el("dl", "kpis", panel);
    crate::dom::aria(&cards, "Headline numbers");
    for (label, value) in headline(r) {
        let item = el("div", "kpi", &cards);
        text_el("dt", "", label, &item);
        text_el("dd", "", &value, &item);
    }
    draw_chart(&chart(&r.days, WIDTH, HEIGHT), panel);
    legend(panel);

    text_el("h3", "", "Agents", panel);
    if r.agents.is_empty() {
        text_el(
            "p",
            "muted",
            "No chat was offered to an agent in this period.",
            panel,
        );
    } else {
        let table = el("table", "", panel);
        crate::dom::aria(&table, "Agents");
        let head = el("tr", "", &el("thead", "", &table));
        for h in [
            "Agent",
            "Offers",
            "Accepted",
            "Declined",
            "Not answered in time",
            "Went away",
            "Median time to accept",
            "Median first response",
        ]
        .into_iter()
        .enumerate()
        {
            text_el("th", if h.0 == 0 { "" } else { "num" }, h.1, &head);
        }
        let body = el("tbody", "", &table);
        for a in &r.agents {
            let tr = el("tr", "", &body);
            let name = if a.name.is_empty() {
                format!("{} (removed)", a.agent)
            } else {
                a.name.clone()
            };
            text_el("td", "", &name, &tr);
            for n in [a.offers, a.accepted, a.declined, a.expired, a.went_away] {
                text_el("td", "num", &n.to_string(), &tr);
            }
            text_el("td", "num", &duration(a.median_accept_ms), &tr);
            text_el("td", "num", &duration(a.median_first_response_ms), &tr);
        }
    }

    text_el("h3", "", "Missed chats by reason", panel);
    let table = el("table", "", panel);
    crate::dom::aria(&table, "Missed chats by reason");
    let head = el("tr", "", &el("thead", "", &table));
    for (i, h) in ["Reason", "Missed", "Share of requests"]
        .into_iter()
        .enumerate()
    {
        text_el("th", if i == 0 { "" } else { "num" }, h, &head);
    }
    let body = el("tbody", "", &table);
    for (label, n, share) in missed_rows(&r.totals) {
        let tr = el("tr", "", &body);
        text_el("td", "", &label, &tr);
        text_el("td", "num", &n.to_string(), &tr);
        text_el("td", "num", &share, &tr);
    }
    if !r.complete {
        text_el(
            "p",
            "muted",
            "This period holds more conversations than one report reads; choose a shorter one for exact numbers.",
            panel,
        );
    }
}

fn draw_chart(c: &Chart, panel: &Element) {
    let figure = el("figure", "chart", panel);
    let svg = svg_el("svg", &figure);
    set(
        &svg,
        &[
            (
                "viewBox",
                ["0 0 ", &num(c.width), " ", &num(c.height)].concat(),
            ),
            ("width", "100%".into()),
            ("role", "img".into()),
            ("aria-labelledby", "chart-title chart-desc".into()),
            ("class", "report-chart".into()),
        ],
    );
    let title = svg_el("title", &svg);
    title.set_attr("id", "chart-title");
    crate::dom::set_text(&title, "Chat requests per day: accepted and missed");
    let desc = svg_el("desc", &svg);
    desc.set_attr("id", "chart-desc");
    let summary: Vec<String> = c.bars.iter().map(|b| crate::dom::tr(&b.title)).collect();
    desc.set_text_content(Some(&summary.join(". ")));
    for (y, n) in &c.ticks {
        let line = svg_el("line", &svg);
        set(
            &line,
            &[
                ("x1", num(c.left)),
                ("x2", num(c.width)),
                ("y1", num(*y)),
                ("y2", num(*y)),
                ("stroke", "#d0d4da".into()),
                ("stroke-width", "1".into()),
            ],
        );
        let t = svg_el("text", &svg);
        set(
            &t,
            &[
                ("x", num(c.left - 6.0)),
                ("y", num(y + 4.0)),
                ("text-anchor", "end".into()),
                ("font-size", "11".into()),
                ("fill", "#555".into()),
            ],
        );
        t.set_text_content(Some(&n.to_string()));
    }
    for b in &c.bars {
        let g = svg_el("g", &svg);
        set(
            &g,
            &[("class", "bar".into()), ("data-date", b.date.clone())],
        );
        let tip = svg_el("title", &g);
        crate::dom::set_text(&tip, &b.title);
        for s in &b.segments {
            let rect = svg_el("rect", &g);
            set(
                &rect,
                &[
                    ("class", format!("bar-seg seg-{}", s.series.key)),
                    ("x", num(b.x)),
                    ("y", num(s.y)),
                    ("width", num(b.width)),
                    ("height", num(s.height)),
                    ("fill", s.series.color.into()),
                    ("data-count", s.count.to_string()),
                ],
            );
        }
        if !b.label.is_empty() {
            let t = svg_el("text", &svg);
            set(
                &t,
                &[
                    ("x", num(b.x + b.width / 2.0)),
                    ("y", num(c.bottom + 16.0)),
                    ("text-anchor", "middle".into()),
                    ("font-size", "11".into()),
                    ("fill", "#555".into()),
                    ("aria-hidden", "true".into()),
                ],
            );
            t.set_text_content(Some(&b.label));
        }
    }
}

fn legend(panel: &Element) {
    let list = el("ul", "legend", panel);
    crate::dom::aria(&list, "Legend");
    for s in series() {
        let li = el("li", "", &list);
        let swatch = text_el("span", "swatch", "■", &li);
        swatch.set_attr("style", &format!("color:{}", s.color));
        swatch.set_attr("aria-hidden", "true");
        text_el("span", "", s.label, &li);
    }
}
