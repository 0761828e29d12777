//! Ticket search on every backend: the same terms, the same matches.

use super::fixture::{Fixture, assert_code};
use crate::store::Store;
use crate::*;
use std::sync::Arc;

async fn found(f: &Fixture, search: &str, notes: bool) -> Vec<String> {
    let q = TicketQuery {
        search: Some(search.into()),
        search_notes: notes,
        order: TicketOrder::Oldest,
        ..TicketQuery::default()
    };
    let mut subjects: Vec<String> = f
        .desk
        .search_tickets(f.ws, &q)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|h| h.ticket.subject)
        .collect();
    subjects.dedup();
    subjects
}

pub async fn search_finds_words_in_both_languages(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "other").await;
    other.open("Payments fail for them too").await;
    let open = |subject: &'static str, body: &'static str| {
        let f = f.clone();
        async move {
            f.desk
                .open_ticket(f.ws, OpenTicket::new(f.customer.clone(), subject, body))
                .await
                .unwrap()
        }
    };
    let a = open("Payment failed", "My card was declined twice").await;
    let b = open("Не проходит платёж", "Платежи картой не работают").await;
    let c = open("Login problem", "The password reset e-mail never arrives").await;
    f.desk
        .reply(
            f.ws,
            c.id,
            &f.agent,
            MessageInput::text("Refunds are on their way"),
        )
        .await
        .unwrap();
    f.desk
        .add_note(
            f.ws,
            c.id,
            &f.agent,
            MessageInput::text("VIP customer, secret refund"),
        )
        .await
        .unwrap();
    // Stemming in both scripts; tenants never mix.
    assert_eq!(found(&f, "payments", false).await, ["Payment failed"]);
    assert_eq!(found(&f, "платежи", false).await, ["Не проходит платёж"]);
    assert_eq!(found(&f, "платеж", false).await, ["Не проходит платёж"]);
    // Phrases, exclusion, or, prefix.
    assert_eq!(
        found(&f, "\"card was declined\"", false).await,
        ["Payment failed"]
    );
    assert!(found(&f, "\"declined card\"", false).await.is_empty());
    assert_eq!(
        found(&f, "payment or login", false).await,
        ["Payment failed", "Login problem"]
    );
    assert_eq!(found(&f, "fail* -card", false).await, Vec::<String>::new());
    assert_eq!(found(&f, "pass*", false).await, ["Login problem"]);
    assert_eq!(found(&f, "e-mail", false).await, ["Login problem"]);
    // System messages (auto-replies, broadcasts) are not searched.
    f.desk
        .system_message(f.ws, c.id, MessageInput::text("zebra — «crossing»"))
        .await
        .unwrap();
    assert!(found(&f, "zebra", true).await.is_empty());
    // Messages: public ones for everyone, notes only with `search_notes`.
    assert_eq!(found(&f, "refunds", false).await, ["Login problem"]);
    assert!(found(&f, "secret", false).await.is_empty());
    assert_eq!(found(&f, "secret", true).await, ["Login problem"]);
    // Editing the subject re-indexes it.
    let update = TicketUpdate {
        subject: Some("Cannot sign in".into()),
        ..TicketUpdate::default()
    };
    f.desk
        .update_ticket(f.ws, c.id, update, f.agent_actor())
        .await
        .unwrap();
    assert!(found(&f, "login", false).await.is_empty());
    assert_eq!(found(&f, "sign", false).await, ["Cannot sign in"]);
    // The number finds its ticket first; snippets mark the words.
    let q = TicketQuery {
        search: Some(b.number.clone()),
        ..TicketQuery::default()
    };
    let hits = f.desk.search_tickets(f.ws, &q).await.unwrap();
    assert_eq!(hits.items[0].ticket.id, b.id);
    let q = TicketQuery {
        search: Some("declined".into()),
        ..TicketQuery::default()
    };
    let hits = f.desk.search_tickets(f.ws, &q).await.unwrap();
    assert_eq!(
        hits.items[0].snippet.as_deref(),
        Some("My card was [declined] twice")
    );
    assert_eq!(hits.items[0].ticket.id, a.id);
    // With other filters and in a customer's own tickets.
    let q = TicketQuery {
        search: Some("payment or login".into()),
        customer: Some(f.customer2.clone()),
        ..TicketQuery::default()
    };
    assert!(
        f.desk
            .search_tickets(f.ws, &q)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn odd_searches_are_refused_or_find_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.open("Payment failed").await;
    for odd in [
        "",
        "   ",
        "&|!:*()'\\",
        "-payment",
        "\"",
        "'; DROP TABLE tickets; --",
    ] {
        assert!(found(&f, odd, true).await.is_empty(), "{odd:?}");
    }
    assert_eq!(found(&f, "\"payment", false).await, ["Payment failed"]);
    let long = TicketQuery {
        search: Some("x".repeat(10_000)),
        ..TicketQuery::default()
    };
    assert_code(f.desk.search_tickets(f.ws, &long).await, "invalid_input");
    assert_code(f.desk.list_tickets(f.ws, &long).await, "invalid_input");
    assert_code(
        f.desk.search_tickets(f.ws, &TicketQuery::default()).await,
        "invalid_input",
    );
}
