//! How long Ticketry takes to refuse each hostile input of issue 10, on the
//! memory backend: release build, median of 5 runs per case, in ms.
//!
//! ```sh
//! cargo run --release -p ticketry-benches --bin hostile
//! ```
//!
//! Each case must be refused (the program fails otherwise); the figure is
//! what one tenant's bad request costs the process serving the others.

use chrono::TimeDelta;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use ticketry_core::testing::{RARE_CALENDAR, dense_calendar, nested, policy_on};
use ticketry_core::*;
use ticketry_memory::MemoryStore;

/// Runs `f` five times; each must fail; prints the median in ms.
async fn time<T, F, Fut>(name: &str, f: F) -> Result<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let refused = f().await.is_err();
        times.push(start.elapsed().as_secs_f64() * 1e3);
        if !refused {
            return Err(Error::invalid_input(name, "was accepted"));
        }
    }
    times.sort_by(f64::total_cmp);
    println!("{name:<40} {:>10.2}", times[2]);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let desk = Helpdesk::new(Arc::new(MemoryStore::new()));
    let ws = desk.create_workspace(NewWorkspace::new("H", "h")).await?.id;
    let carol = CustomerId::new("carol")?;
    desk.put_customer(ws, CustomerInput::new(carol.clone(), "Carol"))
        .await?;
    desk.put_agent(ws, AgentInput::new(AgentId::new("ann")?, "Ann"))
        .await?;
    let mut big = OpenTicket::new(carol.clone(), "big", "x");
    big.custom_fields = json!({"big": "y".repeat(30_000), "many": (0..1000).collect::<Vec<_>>()})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let t = desk.open_ticket(ws, big).await?;
    let heavy = desk
        .create_template(
            ws,
            TemplateInput {
                name: "heavy".into(),
                body: "{% for n in ticket.custom_fields.many %}{{ ticket.custom_fields.big }}{% endfor %}".into(),
                ..TemplateInput::default()
            },
        )
        .await?;
    let slow = desk
        .create_template(
            ws,
            TemplateInput {
                name: "slow".into(),
                body: "{% for a in ticket.custom_fields.many %}{% for b in ticket.custom_fields.many %}\
                       {% if (ticket.custom_fields.big ~ ticket.custom_fields.big)|length > 1 %}{% endif %}\
                       {% endfor %}{% endfor %}"
                    .into(),
                ..TemplateInput::default()
            },
        )
        .await?;
    let template = |body: String| TemplateInput {
        name: "evil".into(),
        body,
        ..TemplateInput::default()
    };
    let fields = |v: serde_json::Value| {
        let mut o = OpenTicket::new(carol.clone(), "s", "x");
        o.custom_fields.insert("x".into(), v);
        o
    };
    let dense = dense_calendar(1000);
    let d = &desk;
    println!(
        "{:<40} {:>10}",
        "hostile input (memory, release)", "median ms"
    );
    time("template: 30,000 unary minus", || {
        d.create_template(ws, template(format!("{{{{ {}1 }}}}", "-".repeat(30_000))))
    })
    .await?;
    time("template: 10,000 .a chain", || {
        d.create_template(ws, template(format!("{{{{ x{} }}}}", ".a".repeat(10_000))))
    })
    .await?;
    time("template: namespace doubling loop", || {
        d.create_template(ws, template("{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}".into()))
    })
    .await?;
    time("template: nested range(100000)", || {
        d.create_template(
            ws,
            template(
                "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
                    .into(),
            ),
        )
    })
    .await?;
    time("template: 'x' * 100000000", || {
        d.create_template(ws, template("{{ 'x' * 100000000 }}".into()))
    })
    .await?;
    time("template: 50,001 characters", || {
        d.create_template(ws, template("x".repeat(50_001)))
    })
    .await?;
    time("render: past the output cap", || {
        d.render_template(ws, heavy.id, t.id, None)
    })
    .await?;
    time("render: heavy loop writing nothing", || {
        d.render_template(ws, slow.id, t.id, None)
    })
    .await?;
    time("custom_fields: 128 deep", || {
        d.open_ticket(ws, fields(nested(128)))
    })
    .await?;
    time("custom_fields: 20 MB", || {
        d.open_ticket(ws, fields(json!("z".repeat(20_000_000))))
    })
    .await?;
    let dense_policy = policy_on(&dense, TimeDelta::hours(8));
    time("calendar: 1,000 intervals a day", || {
        d.set_sla_policies(ws, vec![dense_policy.clone()])
    })
    .await?;
    let rare_policy = policy_on(RARE_CALENDAR, TimeDelta::hours(1000));
    time("calendar: 1 s a week, 1,000 h target", || {
        d.set_sla_policies(ws, vec![rare_policy.clone()])
    })
    .await?;
    let long = "k".repeat(1_000_000);
    time("number lookup: 1 MB", || d.get_ticket_by_number(ws, &long)).await?;
    Ok(())
}
