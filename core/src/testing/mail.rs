//! E-mail in and out: the committed corpus of real-world-shaped messages,
//! duplicates and concurrency, quarantine and rate limits, notifications and
//! the round trip of a reply to one.

use super::Fixture;
use crate::mail::{InboundOutcome, IngestOptions, IngestResult, MailSettings, NotificationKind};
use crate::workspace::SettingsPatch;
use crate::*;
use std::sync::Arc;

/// The corpus, in ingest order (`mail/corpus.json` says what each gives).
const CORPUS: &[(&str, &[u8])] = &[
    ("gmail-new.eml", include_bytes!("mail/gmail-new.eml")),
    ("gmail-reply.eml", include_bytes!("mail/gmail-reply.eml")),
    (
        "outlook-reply.eml",
        include_bytes!("mail/outlook-reply.eml"),
    ),
    (
        "apple-mail-reply.eml",
        include_bytes!("mail/apple-mail-reply.eml"),
    ),
    ("windows-1251.eml", include_bytes!("mail/windows-1251.eml")),
    ("koi8-r.eml", include_bytes!("mail/koi8-r.eml")),
    ("html-only.eml", include_bytes!("mail/html-only.eml")),
    ("attachments.eml", include_bytes!("mail/attachments.eml")),
    ("dsn-bounce.eml", include_bytes!("mail/dsn-bounce.eml")),
    (
        "out-of-office.eml",
        include_bytes!("mail/out-of-office.eml"),
    ),
    ("mailing-list.eml", include_bytes!("mail/mailing-list.eml")),
    (
        "malformed-headers.eml",
        include_bytes!("mail/malformed-headers.eml"),
    ),
    (
        "outlook-new-html.eml",
        include_bytes!("mail/outlook-new-html.eml"),
    ),
    (
        "precedence-bulk.eml",
        include_bytes!("mail/precedence-bulk.eml"),
    ),
    (
        "auto-submitted-generated.eml",
        include_bytes!("mail/auto-submitted-generated.eml"),
    ),
];

async fn mail_fixture(store: Arc<dyn store::Store>) -> Fixture {
    let f = Fixture::new(store).await;
    let mut anna = CustomerInput::new(CustomerId::new("anna").unwrap(), "Anna Petrova");
    anna.email = Some("anna@example.com".into());
    f.desk.put_customer(f.ws, anna).await.unwrap();
    let mut bob = AgentInput::new(AgentId::new("bob").unwrap(), "Bob Smith");
    bob.email = Some("bob@acme.example".into());
    f.desk.put_agent(f.ws, bob).await.unwrap();
    let mail = MailSettings {
        address: Some("support@acme.example".into()),
        ticket_url: Some("https://acme.example/support/{number}".into()),
        ..MailSettings::default()
    };
    set_mail(&f, mail).await;
    f
}

async fn set_mail(f: &Fixture, mail: MailSettings) {
    let patch = SettingsPatch {
        mail: Some(mail),
        ..SettingsPatch::default()
    };
    f.desk
        .update_workspace(f.ws, None, Some(patch))
        .await
        .unwrap();
}

async fn ingest(f: &Fixture, raw: &[u8]) -> IngestResult {
    f.desk
        .ingest_email(f.ws, raw, IngestOptions::default())
        .await
        .unwrap()
}

pub async fn email_corpus_gives_the_documented_outcomes(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let manifest: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("mail/corpus.json")).unwrap();
    assert_eq!(manifest.len(), CORPUS.len());
    for (entry, (file, raw)) in manifest.iter().zip(CORPUS) {
        assert_eq!(entry["file"], *file);
        f.clock.advance(chrono::TimeDelta::minutes(5));
        let r = ingest(&f, raw).await;
        let want = entry["action"].as_str().unwrap();
        assert_eq!(r.record.outcome.as_str(), want, "{file}: {:?}", r.record);
        assert!(!r.duplicate, "{file}");
        assert_eq!(
            r.record.reason.as_deref(),
            entry["reason"].as_str(),
            "{file}"
        );
        if want == "ignored" {
            assert!(r.message.is_none(), "{file}");
            continue;
        }
        let ticket = r.ticket.as_ref().unwrap();
        let message = r.message.as_ref().unwrap();
        assert_eq!(
            Some(ticket.number.as_str()),
            entry["ticket"].as_str(),
            "{file}"
        );
        assert_eq!(message.ticket_id, ticket.id, "{file}");
        let customer = f.desk.get_customer(f.ws, &ticket.customer).await.unwrap();
        let sender = message.sender.as_ref().and_then(|s| s.email.clone());
        assert_eq!(
            sender.or(customer.email.clone()).as_deref(),
            entry["customer_email"].as_str(),
            "{file}"
        );
        if let Some(subject) = entry["subject"].as_str() {
            assert_eq!(ticket.subject, subject, "{file}");
            assert_eq!(ticket.channel, Channel::Email, "{file}");
        }
        for s in entry["body_contains"].as_array().unwrap() {
            let s = s.as_str().unwrap();
            assert!(
                message.body.contains(s),
                "{file}: {s:?} not in {:?}",
                message.body
            );
        }
        for s in entry["body_excludes"].as_array().unwrap() {
            let s = s.as_str().unwrap();
            assert!(
                !message.body.contains(s),
                "{file}: {s:?} in {:?}",
                message.body
            );
        }
        assert_eq!(
            message.html.is_some(),
            entry["html"].as_bool().unwrap(),
            "{file}"
        );
        let parts = entry["parts"].as_array().unwrap();
        assert_eq!(r.parts.len(), parts.len(), "{file}: {:?}", r.parts);
        assert_eq!(message.attachments.len(), parts.len(), "{file}");
        for ((got, want), meta) in r.parts.iter().zip(parts).zip(&message.attachments) {
            assert_eq!(got.filename, want["filename"].as_str().unwrap(), "{file}");
            assert_eq!(got.mime_type, want["mime_type"].as_str().unwrap(), "{file}");
            assert_eq!(got.size, want["size"].as_u64().unwrap(), "{file}");
            assert_eq!(got.content.0.len() as u64, got.size, "{file}");
            assert_eq!(got.inline, want["inline"].as_bool().unwrap(), "{file}");
            assert_eq!(
                meta.storage_key.as_deref(),
                Some(got.storage_key.as_str()),
                "{file}"
            );
        }
    }
    // Every message again: duplicates, and nothing changes.
    let before = f.snapshot().await;
    for (file, raw) in CORPUS {
        let r = ingest(&f, raw).await;
        assert!(r.duplicate, "{file}");
    }
    assert_eq!(f.snapshot().await, before);
    let ignored = f
        .desk
        .inbound_mail(f.ws, Some(InboundOutcome::Ignored), 100)
        .await
        .unwrap();
    let want = manifest.iter().filter(|e| e["action"] == "ignored").count();
    assert_eq!(ignored.len(), want);
    let all = f.desk.inbound_mail(f.ws, None, 100).await.unwrap();
    assert_eq!(all.len(), CORPUS.len());
}

fn new_mail(from: &str, id: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@acme.example\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

async fn thread_len(f: &Fixture, t: TicketId) -> usize {
    let thread = f.desk.thread(f.ws, t, View::Agent).await.unwrap();
    thread.messages.len()
}

/// `raw` delivered ten times at once.
async fn ten_at_once(f: &Fixture, raw: &[u8]) -> Vec<IngestResult> {
    let runs: Vec<_> = (0..10)
        .map(|_| {
            let (desk, raw, ws) = (f.desk.clone(), raw.to_vec(), f.ws);
            tokio::spawn(async move { desk.ingest_email(ws, &raw, IngestOptions::default()).await })
        })
        .collect();
    let mut out = Vec::new();
    for h in runs {
        out.push(h.await.unwrap().unwrap());
    }
    out
}

pub async fn concurrent_deliveries_make_one_message(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let raw = new_mail(
        "New Person <new@example.org>",
        "a1@example.org",
        "Help",
        "Printer is on fire",
    );
    let results = ten_at_once(&f, &raw).await;
    let tickets: std::collections::BTreeSet<_> = results
        .iter()
        .map(|r| r.ticket.as_ref().unwrap().id)
        .collect();
    assert_eq!(tickets.len(), 1);
    // At least the delivery that filed it says so (racing ones may too).
    assert!(results.iter().any(|r| !r.duplicate));
    let t = *tickets.iter().next().unwrap();
    assert_eq!(thread_len(&f, t).await, 1);
    // A reply, ten times at once: one message.
    let mut reply = b"In-Reply-To: <a1@example.org>\r\n".to_vec();
    reply.extend(new_mail(
        "new@example.org",
        "a2@example.org",
        "Re: Help",
        "Still burning",
    ));
    let results = ten_at_once(&f, &reply).await;
    assert!(
        results
            .iter()
            .all(|r| r.record.outcome == InboundOutcome::Appended)
    );
    assert_eq!(thread_len(&f, t).await, 2);
    assert_eq!(f.ticket_count().await, 1);
}

pub async fn unknown_senders_and_floods_are_held_back(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let mut mail = f.desk.get_workspace(f.ws).await.unwrap().settings.mail;
    mail.create_customers = false;
    mail.max_per_sender_per_hour = 2;
    set_mail(&f, mail).await;
    let stranger = new_mail("who@example.net", "q1@example.net", "Hi", "Who am I");
    let before = f.snapshot().await;
    let r = ingest(&f, &stranger).await;
    assert_eq!(r.record.outcome, InboundOutcome::Quarantined);
    assert_eq!(r.record.reason.as_deref(), Some("unknown_sender"));
    assert_eq!(f.snapshot().await, before);
    let held = f
        .desk
        .inbound_mail(f.ws, Some(InboundOutcome::Quarantined), 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].text, "Who am I");
    // Once the host knows the sender, delivering it again files it.
    let mut who = CustomerInput::new(CustomerId::new("who").unwrap(), "Who");
    who.email = Some("WHO@example.net".into());
    f.desk.put_customer(f.ws, who).await.unwrap();
    let r = ingest(&f, &stranger).await;
    assert_eq!(r.record.outcome, InboundOutcome::Created);
    assert_eq!(r.ticket.unwrap().customer.as_str(), "who");
    // Two an hour from one sender: the third waits.
    let second = new_mail("who@example.net", "q2@example.net", "Again", "Two");
    assert_eq!(
        ingest(&f, &second).await.record.outcome,
        InboundOutcome::Created
    );
    let third = new_mail("who@example.net", "q3@example.net", "Again", "Three");
    assert_eq!(
        ingest(&f, &third).await.record.outcome,
        InboundOutcome::RateLimited
    );
    f.clock.advance(chrono::TimeDelta::minutes(61));
    assert_eq!(
        ingest(&f, &third).await.record.outcome,
        InboundOutcome::Created
    );
    // Bad input is an error and changes nothing.
    let before = f.snapshot().await;
    let log = f.desk.inbound_mail(f.ws, None, 100).await.unwrap();
    let other = new_mail("who@example.net", "q4@example.net", "More", "Four");
    let bad = |f: fn(&mut IngestOptions)| {
        let mut o = IngestOptions::default();
        f(&mut o);
        o
    };
    for (raw, options, field) in [
        (&b""[..], IngestOptions::default(), "raw"),
        (
            &other[..],
            bad(|o| o.mailbox = Some("not an address".into())),
            "mailbox",
        ),
        (
            &other[..],
            bad(|o| o.priority = Some("nope".into())),
            "priority",
        ),
        (
            &other[..],
            bad(|o| o.tags = vec!["Bad Tag!".into()]),
            "tags",
        ),
    ] {
        let e = f.desk.ingest_email(f.ws, raw, options).await.unwrap_err();
        match e {
            Error::InvalidInput { field: got, .. } => assert_eq!(got, field),
            other => panic!("{field}: {other}"),
        }
    }
    assert_eq!(f.snapshot().await, before);
    assert_eq!(f.desk.inbound_mail(f.ws, None, 100).await.unwrap(), log);
}

/// `data` in base64, 76-character lines.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 28);
    for (n, c) in data.chunks(3).enumerate() {
        let byte = |i: usize| u32::from(c.get(i).copied().unwrap_or(0));
        let v = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for k in 0..4 {
            if k <= c.len() {
                out.push(ABC[((v >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if n % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out
}

/// Messages nested 10 000 deep (650 KB) are refused before the parser
/// nests them: dropping them recursed once per level, and on a runtime
/// worker's stack that killed the process. A forward of a forward is fine.
pub async fn deeply_nested_mail_is_refused(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let nested = |levels: usize| {
        let mut raw = String::from(
            "From: anna@example.com\r\nSubject: fwd\r\nMessage-ID: <nest@example.com>\r\n\
             MIME-Version: 1.0\r\n",
        );
        for _ in 0..levels {
            raw.push_str(
                "Content-Type: message/rfc822\r\n\r\nFrom: x@example.com\r\nSubject: s\r\n",
            );
        }
        raw.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
        raw
    };
    // On a worker of the test's runtime, whose stack is a runtime worker's.
    let (desk, ws) = (f.desk.clone(), f.ws);
    let deep = nested(10_000);
    let refused = tokio::spawn(async move {
        desk.ingest_email(ws, deep.as_bytes(), IngestOptions::default())
            .await
            .map(drop)
    })
    .await
    .unwrap();
    match refused {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "raw"),
        other => panic!("expected invalid_input on raw, got {other:?}"),
    }
    assert_eq!(
        ingest(&f, nested(3).as_bytes()).await.record.outcome,
        InboundOutcome::Created
    );
}

pub async fn a_25_mb_message_is_filed_with_its_attachment(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let size = 25 * 1024 * 1024;
    let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    let raw = format!(
        "From: anna@example.com\r\nSubject: Logs\r\nMessage-ID: <big@example.com>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe logs are attached.\r\n\
         --b\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"logs.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        base64(&data)
    );
    let r = ingest(&f, raw.as_bytes()).await;
    assert_eq!(r.record.outcome, InboundOutcome::Created);
    assert_eq!(r.parts.len(), 1);
    assert_eq!(r.parts[0].size, size as u64);
    assert!(r.parts[0].content.0 == data);
    assert_eq!(r.message.unwrap().attachments[0].size, Some(size as u64));
}

pub async fn a_reply_to_a_notification_lands_on_its_ticket(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let bob = AgentId::new("bob").unwrap();
    let first = ingest(&f, CORPUS[0].1).await;
    let t = first.ticket.unwrap();
    // New ticket: the customer is told with the promise, every agent is told.
    let batch = f.desk.notifications(f.ws, "mail", 100).await.unwrap();
    let kinds: Vec<_> = batch
        .notifications
        .iter()
        .map(|n| (n.kind, n.to.email.as_str()))
        .collect();
    assert!(
        kinds.contains(&(NotificationKind::CustomerCreated, "anna@example.com")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(NotificationKind::AgentCreated, "bob@acme.example")),
        "{kinds:?}"
    );
    let created = &batch.notifications[0];
    assert!(created.subject.contains(&t.number), "{}", created.subject);
    assert!(
        created.text.contains("https://acme.example/support/"),
        "{}",
        created.text
    );
    assert_eq!(created.headers["Reply-To"], "support@acme.example");
    assert_eq!(created.headers["Auto-Submitted"], "auto-generated");
    assert!(created.html.contains("<strong>"), "{}", created.html);
    // Not acknowledged: the same batch again, with the same ids.
    let again = f.desk.notifications(f.ws, "mail", 100).await.unwrap();
    assert_eq!(again, batch);
    f.desk
        .ack_notifications(f.ws, "mail", batch.cursor)
        .await
        .unwrap();
    let none = f.desk.notifications(f.ws, "mail", 100).await.unwrap();
    assert!(none.notifications.is_empty());

    f.desk
        .assign(f.ws, t.id, Assign::to(bob.clone()), Actor::System)
        .await
        .unwrap();
    f.desk
        .reply(f.ws, t.id, &bob, MessageInput::text("Please try now."))
        .await
        .unwrap();
    let batch = f.desk.notifications(f.ws, "mail", 100).await.unwrap();
    let reply = batch
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::CustomerReply)
        .expect("the customer hears of the reply");
    assert_eq!(reply.to.email, "anna@example.com");
    assert!(reply.text.contains("Please try now."));
    assert!(!reply.headers.contains_key("Auto-Submitted"));
    assert!(
        batch
            .notifications
            .iter()
            .any(|n| n.kind == NotificationKind::AgentAssigned)
    );
    f.desk
        .ack_notifications(f.ws, "mail", batch.cursor)
        .await
        .unwrap();

    // The customer's mail client answers it: no number in the subject.
    let answer = format!(
        "From: Anna Petrova <anna@example.com>\r\nTo: support@acme.example\r\nSubject: Re: thanks\r\n\
         Message-ID: <answer-1@mail.example.com>\r\nIn-Reply-To: {id}\r\nReferences: {id}\r\n\r\n\
         Works now!\r\n\r\nOn Mon, 2 Mar 2026, Bob Smith wrote:\r\n> Please try now.\r\n",
        id = reply.message_id
    );
    let r = ingest(&f, answer.as_bytes()).await;
    assert_eq!(r.record.outcome, InboundOutcome::Appended);
    assert_eq!(r.ticket.as_ref().unwrap().id, t.id);
    assert_eq!(r.message.as_ref().unwrap().body, "Works now!");
    // Bob hears of it; the customer does not.
    let batch = f.desk.notifications(f.ws, "mail", 100).await.unwrap();
    let told: Vec<_> = batch
        .notifications
        .iter()
        .map(|n| (n.kind, n.to.email.as_str()))
        .collect();
    assert_eq!(
        told,
        [(NotificationKind::AgentCustomerReply, "bob@acme.example")]
    );
    // Bob answers from his mail client: a note (anyone can write his
    // address in `From`), his reply once the workspace trusts it.
    let from_bob = |n: usize| {
        format!(
            "From: Bob Smith <bob@acme.example>\r\nSubject: Re: [{number}] Cannot log in\r\n\
             Message-ID: <bob-{n}@acme.example>\r\nIn-Reply-To: {id}\r\n\r\nGreat, closing.\r\n",
            number = t.number,
            id = batch.notifications[0].message_id
        )
    };
    let m = ingest(&f, from_bob(1).as_bytes()).await.message.unwrap();
    assert_eq!(
        (m.kind, m.author),
        (MessageKind::Note, Actor::Agent(bob.clone()))
    );
    let mut mail = f.desk.get_workspace(f.ws).await.unwrap().settings.mail;
    mail.agent_replies = true;
    set_mail(&f, mail).await;
    let m = ingest(&f, from_bob(2).as_bytes()).await.message.unwrap();
    assert_eq!(
        (m.kind, m.author),
        (MessageKind::Reply, Actor::Agent(bob.clone()))
    );
    // Its own notification coming back is a loop, not a message.
    let echo = format!(
        "From: support@acme.example\r\nSubject: [{n}] Re\r\nMessage-ID: {id}\r\n\r\nx\r\n",
        n = t.number,
        id = batch.notifications[0].message_id
    );
    let r = ingest(&f, echo.as_bytes()).await;
    let got = (r.record.outcome, r.record.reason.as_deref());
    assert_eq!(got, (InboundOutcome::Ignored, Some("loop")));
    // Merged since: an answer to its notification lands in the target.
    let anna = OpenTicket::new(CustomerId::new("anna").unwrap(), "Everything else", "More");
    let target = f.desk.open_ticket(f.ws, anna).await.unwrap();
    f.desk
        .merge_tickets(f.ws, t.id, target.id, &bob)
        .await
        .unwrap();
    let late = format!(
        "From: anna@example.com\r\nSubject: Re: one more thing\r\n\
         Message-ID: <answer-2@mail.example.com>\r\nIn-Reply-To: {}\r\n\r\nAnd the printer.\r\n",
        reply.message_id
    );
    let r = ingest(&f, late.as_bytes()).await;
    assert_eq!(r.record.outcome, InboundOutcome::Appended);
    assert_eq!(r.ticket.unwrap().id, target.id);
}

pub async fn notification_templates_per_workspace_and_language(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let mut ivan = CustomerInput::new(CustomerId::new("ivan").unwrap(), "Иван");
    ivan.email = Some("ivan@example.ru".into());
    ivan.locale = Some("ru-RU".into());
    ivan.timezone = Some("Europe/Moscow".into());
    f.desk.put_customer(f.ws, ivan).await.unwrap();
    let mut mail = f.desk.get_workspace(f.ws).await.unwrap().settings.mail;
    let template = |subject: &str, body: &str| crate::mail::MailTemplate {
        subject: subject.into(),
        body: body.into(),
    };
    mail.templates.insert(
        "customer.created".into(),
        template(
            "Got it: {{ ticket.subject }}",
            "Dear {{ customer.name }}, thanks.",
        ),
    );
    // Renders only for a ticket with custom fields: elsewhere it fails
    // (`int` of a word), and the built-in agent template is used instead.
    mail.templates.insert(
        "agent.created".into(),
        template("{{ ticket.subject | int(strict=true) }}", "x"),
    );
    set_mail(&f, mail).await;
    let anna = CustomerId::new("anna").unwrap();
    let ivan = CustomerId::new("ivan").unwrap();
    let a = f
        .desk
        .open_ticket(f.ws, OpenTicket::new(anna, "Printer", "Jams"))
        .await
        .unwrap();
    f.desk
        .open_ticket(f.ws, OpenTicket::new(ivan, "Счёт", "Не пришёл"))
        .await
        .unwrap();
    let batch = f.desk.notifications(f.ws, "mail", 100).await.unwrap();
    let to = |email: &str| {
        batch
            .notifications
            .iter()
            .find(|n| n.to.email == email && n.kind == NotificationKind::CustomerCreated)
            .unwrap()
    };
    // The workspace's template, in every language it has no other for.
    let anna_mail = to("anna@example.com");
    assert_eq!(anna_mail.subject, format!("[{}] Got it: Printer", a.number));
    assert_eq!(anna_mail.text, "Dear Anna Petrova, thanks.");
    assert_eq!(to("ivan@example.ru").text, "Dear Иван, thanks.");
    // A ru override for the customer whose locale is Russian.
    let mut mail = f.desk.get_workspace(f.ws).await.unwrap().settings.mail;
    mail.templates.remove("customer.created");
    set_mail(&f, mail).await;
    let batch = f.desk.notifications(f.ws, "mail", 100).await.unwrap();
    let ru = batch
        .notifications
        .iter()
        .find(|n| n.to.email == "ivan@example.ru")
        .unwrap();
    assert_eq!(ru.to.language, "ru");
    assert!(
        ru.subject.contains("Мы получили ваше обращение"),
        "{}",
        ru.subject
    );
    // The promise in Ivan's own time zone (MSK).
    assert!(ru.text.contains("MSK"), "{}", ru.text);
    let agent = batch
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::AgentCreated)
        .unwrap();
    assert!(agent.subject.contains("New ticket"), "{}", agent.subject);
}

pub async fn hostile_mail_is_filed_or_held_never_broken(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    // NUL and Ticketry's reserved character in the text, control characters
    // in the subject, the sender's name, a Message-ID and a file name that
    // tries to leave its directory.
    let raw = b"From: \"Eve\x01 Null\" <eve@example.com>\r\nSubject: Hi\x00there\x07\r\n\
        Message-ID: <bad\x02id@example.com>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\x00 \xee\x80\x80 world\r\n\
        --b\r\nContent-Type: weird type/with spaces\r\n\
        Content-Disposition: attachment; filename=\"../../etc/pa\x01sswd\"\r\n\r\nroot\r\n--b--\r\n";
    let r = ingest(&f, raw).await;
    assert_eq!(r.record.outcome, InboundOutcome::Created, "{:?}", r.record);
    let m = r.message.unwrap();
    assert_eq!(m.body, "Hello\u{FFFD} \u{FFFD} world");
    assert_eq!(r.ticket.unwrap().subject, "Hi there");
    assert_eq!(m.email_message_id, None);
    let part = &r.parts[0];
    assert_eq!(
        (part.filename.as_str(), part.mime_type.as_str()),
        ("_.._etc_pa_sswd", "application/octet-stream")
    );
    assert!(!part.storage_key.contains("/.."), "{}", part.storage_key);
    assert!(ingest(&f, raw).await.duplicate);
    // More parts than a message may carry: held back, nothing opened.
    let mut many = String::from(
        "From: eve@example.com\r\nSubject: Parts\r\nMessage-ID: <many@example.com>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nMany files\r\n",
    );
    for i in 0..=crate::mail::MAX_MAIL_PARTS {
        many.push_str(&format!(
            "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"f{i}.txt\"\r\n\r\n{i}\r\n"
        ));
    }
    many.push_str("--b--\r\n");
    let before = f.snapshot().await;
    let r = ingest(&f, many.as_bytes()).await;
    assert_eq!(
        (r.record.outcome, r.record.reason.as_deref()),
        (InboundOutcome::Quarantined, Some("too_many_parts"))
    );
    assert_eq!(f.snapshot().await, before);
    // Deep nesting, a thousand references and a huge header block: filed.
    let mut deep = String::from("From: eve@example.com\r\nSubject: Deep\r\nMIME-Version: 1.0\r\n");
    deep.push_str("References:");
    for i in 0..1_000 {
        deep.push_str(&format!(" <r{i}@nowhere.example>"));
    }
    deep.push_str("\r\n");
    for i in 0..5_000 {
        deep.push_str(&format!("X-Filler-{i}: {}\r\n", "y".repeat(40)));
    }
    deep.push_str("Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
    for i in 0..200 {
        deep.push_str(&format!(
            "--b{i}\r\nContent-Type: multipart/mixed; boundary=\"b{}\"\r\n\r\n",
            i + 1
        ));
    }
    deep.push_str("--b200\r\nContent-Type: text/plain\r\n\r\nAt the bottom\r\n");
    let r = ingest(&f, deep.as_bytes()).await;
    assert!(
        matches!(
            r.record.outcome,
            InboundOutcome::Created | InboundOutcome::Quarantined
        ),
        "{:?}",
        r.record
    );
    // Not a message at all.
    for raw in [&b"\x00\x01\x02"[..], b"just some words"] {
        match f
            .desk
            .ingest_email(f.ws, raw, IngestOptions::default())
            .await
        {
            Ok(r) => assert_ne!(r.record.outcome, InboundOutcome::Created, "{raw:?}"),
            Err(e) => assert_eq!(e.code(), "invalid_input"),
        }
    }
}

pub async fn mail_filed_before_its_record_is_a_duplicate(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    // A delivery that opened the ticket and failed before recording it; the
    // ticket was closed since. Delivered again: recognised, nothing new.
    let raw = new_mail(
        "anna@example.com",
        "lost@example.com",
        "Lost",
        "Record lost",
    );
    let key = crate::service::mail_key(f.ws, None, Some("lost@example.com"), &raw);
    let mut open = OpenTicket::new(CustomerId::new("anna").unwrap(), "Lost", "Record lost");
    open.idempotency_key = Some(key);
    let t = f.desk.open_ticket(f.ws, open).await.unwrap();
    let update = TicketUpdate {
        status: Some(Status::Cancelled),
        ..TicketUpdate::default()
    };
    f.desk
        .update_ticket(f.ws, t.id, update, Actor::System)
        .await
        .unwrap();
    let r = ingest(&f, &raw).await;
    assert!(r.duplicate);
    assert_eq!(
        (r.record.outcome, r.record.ticket_id),
        (InboundOutcome::Created, Some(t.id))
    );
    assert_eq!(f.ticket_count().await, 1);
    // The same Message-ID in another workspace: its own ticket, its own keys.
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "globex").await;
    let with_file = |to: &str| {
        format!(
            "From: anna@example.com\r\nTo: {to}\r\nSubject: File\r\nMessage-ID: <same@example.com>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nSee file\r\n\
             --b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"a.txt\"\r\n\r\n{to}\r\n--b--\r\n"
        )
    };
    let a = ingest(&f, with_file("a").as_bytes()).await;
    let b = other
        .desk
        .ingest_email(
            other.ws,
            with_file("a").as_bytes(),
            IngestOptions::default(),
        )
        .await
        .unwrap();
    assert_ne!(a.parts[0].storage_key, b.parts[0].storage_key);
    // Other bytes under a filed Message-ID: a duplicate, with no part to store.
    let again = ingest(&f, with_file("b").as_bytes()).await;
    assert!(again.duplicate);
    assert!(again.parts.is_empty());
    // Machine mail gives no part to store either.
    let away =
        format!("Auto-Submitted: auto-replied\r\n{}", with_file("c")).replace("same@", "away@");
    assert!(ingest(&f, away.as_bytes()).await.parts.is_empty());
}

pub async fn notification_batches_are_bounded_and_lose_nothing(store: Arc<dyn store::Store>) {
    let f = mail_fixture(store).await;
    let anna = CustomerId::new("anna").unwrap();
    for i in 0..130 {
        let open = OpenTicket::new(anna.clone(), format!("Ticket {i}"), "Body");
        f.desk.open_ticket(f.ws, open).await.unwrap();
    }
    // Each new ticket tells Anna and the three agents with an address.
    let mut seen = std::collections::BTreeSet::new();
    let mut batches = 0;
    loop {
        let batch = f.desk.notifications(f.ws, "mail", 1_000).await.unwrap();
        assert!(
            batch.notifications.len() <= 500 + 4,
            "{}",
            batch.notifications.len()
        );
        for n in &batch.notifications {
            assert!(seen.insert(n.message_id.clone()), "{} twice", n.id);
        }
        f.desk
            .ack_notifications(f.ws, "mail", batch.cursor)
            .await
            .unwrap();
        batches += 1;
        if !batch.more {
            break;
        }
    }
    assert_eq!(seen.len(), 130 * 4);
    assert!(batches >= 2);
}
