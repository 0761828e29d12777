//! Ticketry quickstart on the in-memory backend:
//! `cargo run -p ticketry-examples --bin quickstart`.
//!
//! Creates a workspace with the low..urgent priorities, a team, two agents
//! and a customer; opens tickets, replies, adds an internal note, assigns,
//! resolves and rates; prints the thread (agent and customer views), the SLA
//! clocks and the event log a host would turn into notifications.

use std::sync::Arc;
use ticketry_core::{
    Actor, AgentId, AgentInput, Assign, CustomerId, CustomerInput, Helpdesk, MessageInput,
    NewWorkspace, OpenTicket, PriorityPreset, SlaMetric, TeamInput, TicketQuery, View,
};
use ticketry_memory::MemoryStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), ticketry_core::Error> {
    let desk = Helpdesk::new(Arc::new(MemoryStore::new()));

    let mut new = NewWorkspace::new("Pyland School", "pyland");
    new.priority_preset = Some(PriorityPreset::LowToUrgent);
    let ws = desk.create_workspace(new).await?.id;

    let ann = AgentId::new("staff-17")?;
    let bob = AgentId::new("staff-42")?;
    desk.put_agent(ws, AgentInput::new(ann.clone(), "Ann (support)"))
        .await?;
    desk.put_agent(ws, AgentInput::new(bob.clone(), "Bob (support)"))
        .await?;
    let team = desk
        .create_team(
            ws,
            TeamInput {
                name: "Tier 1".into(),
                lead: Some(ann.clone()),
                members: vec![bob.clone()],
                ..Default::default()
            },
        )
        .await?;
    let carol = CustomerId::new("user-1001")?;
    let mut customer = CustomerInput::new(carol.clone(), "Carol");
    customer.email = Some("carol@example.com".into());
    desk.put_customer(ws, customer).await?;

    // The customer opens two tickets, one about a host record (an order).
    let mut login = OpenTicket::new(
        carol.clone(),
        "Cannot log in",
        "The login page says 403 since this morning.",
    );
    login.priority = Some("high".into());
    let t = desk.open_ticket(ws, login).await?;
    let mut refund = OpenTicket::new(
        carol.clone(),
        "Refund for order 8812",
        "I was charged twice.",
    );
    refund.links = vec!["order:8812".parse()?];
    refund.tags = vec!["billing".into()];
    let t2 = desk.open_ticket(ws, refund).await?;
    println!(
        "opened {} ({}) and {} ({})",
        t.number, t.priority, t2.number, t2.priority
    );

    // Support works the first one.
    let staff = Actor::Agent(ann.clone());
    desk.assign(
        ws,
        t.id,
        Assign {
            agent: Some(bob.clone()),
            team: Some(team.id),
            ..Default::default()
        },
        staff.clone(),
    )
    .await?;
    desk.add_note(
        ws,
        t.id,
        &bob,
        MessageInput::text("Her account was locked by the fraud filter."),
    )
    .await?;
    desk.reply(
        ws,
        t.id,
        &bob,
        MessageInput::text("Unlocked your account, please try again."),
    )
    .await?;
    desk.customer_message(ws, t.id, &carol, MessageInput::text("It works, thank you!"))
        .await?;
    desk.resolve(ws, t.id, Actor::Agent(bob.clone())).await?;
    let t = desk
        .rate(
            ws,
            t.id,
            5,
            Some("Quick and kind".into()),
            Actor::Customer(carol.clone()),
        )
        .await?;
    println!(
        "{} is {} and rated {}/5",
        t.number,
        t.status,
        t.satisfaction.as_ref().map_or(0, |s| s.rating)
    );

    for (view, name) in [(View::Agent, "agent"), (View::Customer, "customer")] {
        println!("\n--- thread of {}, {name} view ---", t.number);
        for m in desk.thread(ws, t.id, view).await?.messages {
            println!("[{:>8}] {:?}: {}", m.kind.as_str(), m.author, m.body);
        }
    }

    let open = desk.get_ticket(ws, t2.id).await?;
    if let Some(fr) = open.sla.clock(SlaMetric::FirstResponse) {
        println!(
            "\n{} first response due {:?} ({:?})",
            open.number, fr.due_at, fr.status
        );
    }
    let queue = desk.list_tickets(ws, &TicketQuery::default()).await?;
    println!("{} tickets in the workspace", queue.items.len());

    println!("\n--- event log (what the host turns into e-mail / Slack / Telegram) ---");
    let mut cursor = desk.consumer_position(ws, "quickstart").await?;
    loop {
        let page = desk.events(ws, cursor, 100).await?;
        let Some(last) = page.last() else { break };
        cursor = last.seq;
        for e in &page {
            println!(
                "#{:<3} {:<17} {}",
                e.seq,
                e.kind.name(),
                serde_json::to_string(&e.kind).unwrap_or_default()
            );
        }
        desk.ack_events(ws, "quickstart", cursor).await?;
    }
    Ok(())
}
