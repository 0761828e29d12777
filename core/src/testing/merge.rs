//! Merging tickets on every backend.

use super::fixture::{Fixture, assert_code};
use crate::store::Store;
use crate::*;
use std::sync::Arc;

pub async fn merging_copies_the_thread_and_closes_the_source(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "other").await;
    let d = &f.desk;
    let mut input = OpenTicket::new(f.customer.clone(), "Printer jams", "Page 2 jams");
    input.tags = vec!["printer".into()];
    input.links = vec![Link::new("order", "8812").unwrap()];
    let a = d.open_ticket(f.ws, input).await.unwrap();
    d.reply(
        f.ws,
        a.id,
        &f.agent,
        MessageInput::text("Try the rear tray"),
    )
    .await
    .unwrap();
    d.add_note(
        f.ws,
        a.id,
        &f.agent,
        MessageInput::text("Known firmware bug"),
    )
    .await
    .unwrap();
    d.customer_message(f.ws, a.id, &f.customer, MessageInput::text("Still jams"))
        .await
        .unwrap();
    let mut input = OpenTicket::new(f.customer.clone(), "Printer broken again", "Same");
    input.tags = vec!["urgent".into()];
    let b = d.open_ticket(f.ws, input).await.unwrap();
    let c = f.open("Unrelated").await;
    let daves = d
        .open_ticket(f.ws, OpenTicket::new(f.customer2.clone(), "Dave's", "x"))
        .await
        .unwrap();
    let before = f.last_seq().await;

    let merged = d.merge_tickets(f.ws, a.id, b.id, &f.agent).await.unwrap();
    assert_eq!(merged.id, b.id);
    assert_eq!(merged.tags, ["printer", "urgent"]);
    assert_eq!(merged.links, [Link::new("order", "8812").unwrap()]);
    // The source's thread follows the target's, in order, naming its origin.
    let source = d.thread(f.ws, a.id, View::Agent).await.unwrap();
    let target = d.thread(f.ws, b.id, View::Agent).await.unwrap();
    assert_eq!(target.messages.len(), 1 + source.messages.len());
    for (copy, original) in target.messages[1..].iter().zip(&source.messages) {
        assert_eq!(
            (&copy.body, copy.kind, &copy.author, copy.created_at),
            (
                &original.body,
                original.kind,
                &original.author,
                original.created_at
            )
        );
        assert_eq!((copy.ticket_id, copy.merged_from), (b.id, Some(a.id)));
    }
    // The customer view of the target still hides the copied note.
    let seen = d.thread(f.ws, b.id, View::Customer).await.unwrap();
    assert_eq!(seen.messages.len(), 4);
    // The source is closed and points to the target; events for both.
    assert_eq!(source.ticket.status, Status::Closed);
    assert_eq!(source.ticket.merged_into, Some(b.id));
    let events = f.all_events().await;
    let new: Vec<_> = events
        .iter()
        .filter(|e| e.seq > before)
        .map(|e| (e.ticket_id, e.kind.name()))
        .collect();
    assert_eq!(
        new,
        [
            (Some(a.id), "status.changed"),
            (Some(a.id), "ticket.merged"),
            (Some(b.id), "ticket.merged"),
        ]
    );
    // A retry changes nothing more.
    let seq = f.last_seq().await;
    d.merge_tickets(f.ws, a.id, b.id, &f.agent).await.unwrap();
    assert_eq!(f.last_seq().await, seq);
    assert_eq!(
        d.thread(f.ws, b.id, View::Agent)
            .await
            .unwrap()
            .messages
            .len(),
        target.messages.len()
    );
    // A customer's message to the merged ticket lands in the target.
    let m = d
        .customer_message(f.ws, a.id, &f.customer, MessageInput::text("Any news?"))
        .await
        .unwrap();
    assert_eq!(m.ticket_id, b.id);
    // Refused, changing nothing: into itself, into a merged (closed) ticket,
    // a ticket merged elsewhere, across customers and workspaces, by an
    // inactive agent; a merged ticket is not reopened.
    let snapshot = f.snapshot().await;
    assert_code(
        d.merge_tickets(f.ws, b.id, b.id, &f.agent).await,
        "invalid_input",
    );
    assert_code(
        d.merge_tickets(f.ws, c.id, a.id, &f.agent).await,
        "invalid_input",
    );
    assert_code(
        d.merge_tickets(f.ws, a.id, c.id, &f.agent).await,
        "invalid_transition",
    );
    assert_code(
        d.reopen(f.ws, a.id, f.agent_actor()).await,
        "invalid_transition",
    );

    assert_code(
        d.merge_tickets(f.ws, c.id, daves.id, &f.agent).await,
        "invalid_input",
    );
    let theirs = other.open("Theirs").await;
    assert_code(
        d.merge_tickets(f.ws, theirs.id, c.id, &f.agent).await,
        "not_found",
    );
    assert_code(
        d.merge_tickets(other.ws, theirs.id, c.id, &other.agent)
            .await,
        "not_found",
    );
    assert!(
        d.merge_tickets(f.ws, c.id, b.id, &f.inactive)
            .await
            .is_err()
    );
    assert_eq!(f.snapshot().await, snapshot);
}

/// Four concurrent merges of the same tickets copy the thread once.
pub async fn concurrent_merges_copy_once(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let a = f.open("Duplicate").await;
    for i in 0..5 {
        f.desk
            .customer_message(
                f.ws,
                a.id,
                &f.customer,
                MessageInput::text(format!("more {i}")),
            )
            .await
            .unwrap();
    }
    let b = f.open("Original").await;
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move { f.desk.merge_tickets(f.ws, a.id, b.id, &f.agent).await })
        })
        .collect();
    for r in runs {
        r.await.unwrap().unwrap();
    }
    let target = f.desk.thread(f.ws, b.id, View::Agent).await.unwrap();
    assert_eq!(target.messages.len(), 1 + 6);
    let merged = f
        .all_events()
        .await
        .into_iter()
        .filter(|e| e.kind.name() == "ticket.merged")
        .count();
    assert_eq!(merged, 2);
}
