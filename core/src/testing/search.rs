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

/// `Relevance` order (head words count twice, ties newest first) with its
/// cursor, and customers found by id, name and e-mail.
pub async fn search_ranks_by_relevance_and_finds_customers(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "other").await;
    other.open("Refund card refund").await;
    let open = |customer: &CustomerId, subject: &'static str, body: &'static str| {
        let (f, customer) = (f.clone(), customer.clone());
        async move {
            f.desk
                .open_ticket(f.ws, OpenTicket::new(customer, subject, body))
                .await
                .unwrap()
        }
    };
    let reply = |t: TicketId, body: &'static str| {
        let f = f.clone();
        async move {
            f.desk
                .reply(f.ws, t, &f.agent, MessageInput::text(body))
                .await
                .unwrap();
        }
    };
    let dave = f.customer2.clone();
    let t1 = open(&dave, "Refund for order", "Where is my money").await;
    let t2 = open(&dave, "Question", "A card problem").await;
    reply(t2.id, "Refund issued").await;
    let t3 = open(&dave, "Refund card", "Nothing else").await;
    reply(t3.id, "The card refund is done").await;
    let t4 = open(&f.customer, "Hello", "Something odd").await;
    let t5 = open(&dave, "Refund", "Thanks").await;
    let ranked = |search: &'static str, limit: u32| {
        let f = f.clone();
        async move {
            let mut q = TicketQuery {
                search: Some(search.into()),
                order: TicketOrder::Relevance,
                limit,
                ..TicketQuery::default()
            };
            let mut ids = Vec::new();
            loop {
                let page = f.desk.search_tickets(f.ws, &q).await.unwrap();
                ids.extend(page.items.iter().map(|h| h.ticket.id));
                match page.next_cursor {
                    Some(c) => q.after = Some(c),
                    None => return ids,
                }
            }
        }
    };
    // refund: t3 2+1, t5 2, t1 2 (a tie: newest first), t2 1.
    let want = [t3.id, t5.id, t1.id, t2.id];
    assert_eq!(ranked("refund", 50).await, want);
    assert_eq!(ranked("refund", 1).await, want);
    assert_eq!(ranked("refund", 3).await, want);
    // refund card: t3 (2+1)+(2+1), t2 1+2; the others lack "card".
    assert_eq!(ranked("refund card", 50).await, [t3.id, t2.id]);
    let q = TicketQuery {
        order: TicketOrder::Relevance,
        ..TicketQuery::default()
    };
    assert_code(f.desk.list_tickets(f.ws, &q).await, "invalid_input");
    let q = TicketQuery {
        search: Some("refund".into()),
        order: TicketOrder::Relevance,
        after: Some(format!("t{}", t3.id)),
        ..TicketQuery::default()
    };
    assert_code(f.desk.list_tickets(f.ws, &q).await, "invalid_input");
    // Customers by name, e-mail and id, in this workspace only.
    assert_eq!(found(&f, "carol", false).await, ["Hello"]);
    assert_eq!(found(&f, "carol@example.com", false).await, ["Hello"]);
    assert_eq!(found(&f, "acme-user-1", false).await, ["Hello"]);
    assert_eq!(
        found(&f, "dave", false).await,
        ["Refund for order", "Question", "Refund card", "Refund"]
    );
    // Exclusions hold for the customers' tickets too.
    assert_eq!(
        found(&f, "dave -order", false).await,
        ["Question", "Refund card", "Refund"]
    );
    // With words of its tickets too: either finds it.
    assert_eq!(
        found(&f, "carol or money", false).await,
        ["Refund for order", "Hello"]
    );
    // A customer's own view does not search other customers.
    let q = TicketQuery {
        search: Some("carol".into()),
        customer: Some(dave.clone()),
        ..TicketQuery::default()
    };
    assert!(
        f.desk
            .list_tickets(f.ws, &q)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Renaming the customer re-indexes them.
    let mut c = CustomerInput::new(f.customer.clone(), "Caroline Smith");
    c.email = Some("cs@example.org".into());
    f.desk.put_customer(f.ws, c).await.unwrap();
    assert!(found(&f, "carol@example.com", false).await.is_empty());
    assert_eq!(found(&f, "smith", false).await, ["Hello"]);
    assert_eq!(t4.customer, f.customer);
}
