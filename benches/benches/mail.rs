//! E-mail: messages ingested and notifications rendered per second (figures,
//! not timed tests).
//!
//! ```text
//! cargo bench -p ticketry-benches --bench mail                          # memory
//! scripts/pg-throwaway.sh cargo bench -p ticketry-benches --bench mail  # + PostgreSQL
//! ```
//!
//! The workload: `TICKETRY_BENCH_TICKETS=N` (default 4 000) new messages
//! from 400 senders (multipart/alternative, a quoted-printable text and an
//! HTML part, about 1.3 kB), each followed by a reply threaded by
//! `In-Reply-To` (quoted text to trim), sent by 1 task and by 8 tasks; then
//! every message delivered again (duplicates); then the notifications of all
//! those events rendered (a customer and an agent notification per new
//! ticket, an agent one per reply) in batches of 1 000 events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;
use ticketry_core::mail::{IngestOptions, MailSettings};
use ticketry_core::workspace::SettingsPatch;
use ticketry_core::{AgentId, AgentInput, Helpdesk, ManualClock, NewWorkspace, WorkspaceId};

const SENDERS: usize = 400;
const SCHEMA: &str = "ticketry_bench_mail";

fn main() {
    ticketry_benches::run("mail", memory, |url| async move { postgres(&url).await });
}

fn new_mail(i: usize) -> Vec<u8> {
    format!(
        "From: Customer {s} <customer-{s}@example.com>\r\nTo: support@acme.example\r\n\
         Subject: Order {i} arrived damaged\r\nMessage-ID: <m{i}@mail.example.com>\r\n\
         Date: Fri, 20 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"b{i}\"\r\n\r\n\
         --b{i}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         Hello, the box of order {i} was crushed and the screen is cracked. Can you send=\r\n \
         a new one? I attach nothing, but I can send photos. Thank you, customer {s}.\r\n\
         --b{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <div><p>Hello, the box of order {i} was crushed and the screen is cracked.</p>\
         <p>Can you send a new one? I attach nothing, but I can send photos.</p>\
         <p>Thank you, customer {s}.</p></div>\r\n--b{i}--\r\n",
        s = i % SENDERS
    )
    .into_bytes()
}

fn reply_mail(i: usize) -> Vec<u8> {
    format!(
        "From: customer-{s}@example.com\r\nSubject: Re: Order {i} arrived damaged\r\n\
         Message-ID: <r{i}@mail.example.com>\r\nIn-Reply-To: <m{i}@mail.example.com>\r\n\
         References: <m{i}@mail.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Here are the photos you asked for.\r\n\r\nOn Fri, 20 Nov 2026, Support wrote:\r\n\
         > Could you send photos of the box?\r\n> Thanks\r\n",
        s = i % SENDERS
    )
    .into_bytes()
}

async fn workspace(desk: &Helpdesk, slug: &str) -> WorkspaceId {
    let ws = desk
        .create_workspace(NewWorkspace::new("Mail", slug))
        .await
        .unwrap()
        .id;
    let mail = MailSettings {
        address: Some("support@acme.example".into()),
        max_per_sender_per_hour: 10_000,
        ..MailSettings::default()
    };
    let patch = SettingsPatch {
        mail: Some(mail),
        ..SettingsPatch::default()
    };
    desk.update_workspace(ws, None, Some(patch)).await.unwrap();
    for i in 0..4 {
        let mut a = AgentInput::new(AgentId::new(format!("agent-{i}")).unwrap(), "Agent");
        a.email = Some(format!("agent-{i}@acme.example"));
        desk.put_agent(ws, a).await.unwrap();
    }
    ws
}

/// Ingests `mails` with `tasks` concurrent tasks; prints messages per second.
async fn ingest(label: &str, desk: &Helpdesk, ws: WorkspaceId, mails: Vec<Vec<u8>>, tasks: usize) {
    let n = mails.len();
    let mails = Arc::new(mails);
    let started = Instant::now();
    let runs: Vec<_> = (0..tasks)
        .map(|k| {
            let (desk, mails) = (desk.clone(), mails.clone());
            tokio::spawn(async move {
                for m in mails.iter().skip(k).step_by(tasks) {
                    desk.ingest_email(ws, m, IngestOptions::default())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for r in runs {
        r.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{label}: {n} messages, {tasks} task(s): {:.0} messages/s",
        n as f64 / secs
    );
}

async fn workload(label: &str, desk: &Helpdesk, slug: &str) {
    let total = ticketry_benches::tickets(4_000);
    for tasks in [1, 8] {
        let ws = workspace(desk, &format!("{slug}-{tasks}")).await;
        let news: Vec<_> = (0..total).map(new_mail).collect();
        let replies: Vec<_> = (0..total).map(reply_mail).collect();
        ingest(&format!("{label} new"), desk, ws, news.clone(), tasks).await;
        ingest(&format!("{label} replies"), desk, ws, replies, tasks).await;
        ingest(&format!("{label} duplicates"), desk, ws, news, tasks).await;
        if tasks == 1 {
            let started = Instant::now();
            let mut rendered = 0;
            loop {
                let batch = desk.notifications(ws, "mail", 1_000).await.unwrap();
                rendered += batch.notifications.len();
                desk.ack_notifications(ws, "mail", batch.cursor)
                    .await
                    .unwrap();
                if !batch.more {
                    break;
                }
            }
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{label} notifications: {rendered} rendered: {:.0} notifications/s",
                rendered as f64 / secs
            );
        }
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
    ))
}

async fn memory() {
    let store = Arc::new(ticketry_memory::MemoryStore::new());
    let desk = Helpdesk::with_clock(store, clock());
    workload("memory", &desk, "mail").await;
}

async fn postgres(url: &str) {
    let store = ticketry_benches::fresh_store(url, SCHEMA, 8).await;
    let desk = Helpdesk::with_clock(Arc::new(store), clock());
    workload("postgres", &desk, "mail").await;
}
