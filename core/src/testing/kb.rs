//! The knowledge base on every backend.

use super::fixture::{Fixture, assert_code};
use crate::kb::{ArticleInput, ArticleStatus, KbCategoryInput};
use crate::store::Store;
use crate::*;
use chrono::TimeDelta;
use std::sync::Arc;

fn article(slug: &str, language: &str, title: &str, body: &str) -> ArticleInput {
    ArticleInput {
        language: Some(language.into()),
        slug: slug.into(),
        title: title.into(),
        body: body.into(),
        status: Some(ArticleStatus::Published),
        ..ArticleInput::default()
    }
}

pub async fn knowledge_base_articles_in_two_languages(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let faq = f
        .desk
        .create_kb_category(
            f.ws,
            KbCategoryInput {
                slug: "faq".into(),
                name: "FAQ".into(),
                faq: Some(true),
                ..KbCategoryInput::default()
            },
        )
        .await
        .unwrap();
    let mut reset = article(
        "reset-password",
        "en",
        "How do I reset my password?",
        "Open **Settings**, then *Security*.\n\n<script>alert(1)</script>",
    );
    reset.category = Some(faq.id);
    let en = f.desk.create_article(f.ws, reset).await.unwrap();
    assert!(en.html.contains("<strong>Settings</strong>") && !en.html.contains("script"));
    assert_eq!(en.excerpt, "Open Settings, then Security.");
    let mut ru = article(
        "sbros-parolya",
        "ru",
        "Как сбросить пароль?",
        "Откройте **Настройки**.",
    );
    ru.translation_of = Some(en.id);
    let ru = f.desk.create_article(f.ws, ru).await.unwrap();
    let refunds = f
        .desk
        .create_article(
            f.ws,
            article(
                "refunds",
                "en",
                "Refunds",
                "Payments are refunded in 5 days.",
            ),
        )
        .await
        .unwrap();
    // Drafts and scheduled articles are invisible until published.
    let mut draft = article("draft", "en", "Payments draft", "payment secrets");
    draft.status = Some(ArticleStatus::Draft);
    f.desk.create_article(f.ws, draft).await.unwrap();
    f.clock.advance(TimeDelta::minutes(1));
    let mut later = article("later", "en", "Payments later", "payment news");
    later.publish_at = Some(f.clock.now() + TimeDelta::hours(1));
    f.desk.create_article(f.ws, later).await.unwrap();
    let found = |text: &'static str, lang: &'static str| {
        let f = f.clone();
        async move {
            f.desk
                .search_articles(f.ws, text, lang, Some("en"))
                .await
                .unwrap()
                .into_iter()
                .map(|h| h.article.slug)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("payments", "en").await, ["refunds"]);
    assert_eq!(found("пароль", "ru").await, ["sbros-parolya"]);
    // A Russian reader gets the translation that matches, else the English
    // article that does.
    assert_eq!(found("refunded", "ru").await, ["refunds"]);
    assert_eq!(found("settings", "ru").await, ["reset-password"]);
    assert_eq!(found("пароль settings", "ru").await, Vec::<String>::new());
    f.clock.advance(TimeDelta::hours(1));
    // Equal scores: the newest first.
    assert_eq!(found("payments", "en").await, ["later", "refunds"]);
    // Reading by slug with a fallback counts views.
    let read = f
        .desk
        .read_article(f.ws, "reset-password", "ru", Some("en"))
        .await
        .unwrap();
    assert_eq!(read.id, ru.id);
    let read = f
        .desk
        .read_article(f.ws, "refunds", "ru", Some("en"))
        .await
        .unwrap();
    assert_eq!(read.id, refunds.id);
    // The slug in the reader's language wins over the same slug in the
    // fallback's (here an unrelated Russian article).
    let ru_refunds = f
        .desk
        .create_article(
            f.ws,
            article("refunds", "ru", "Возвраты", "Деньги вернутся."),
        )
        .await
        .unwrap();
    let read = f
        .desk
        .read_article(f.ws, "refunds", "ru", Some("en"))
        .await
        .unwrap();
    assert_eq!(read.id, ru_refunds.id);
    assert_code(
        f.desk.read_article(f.ws, "draft", "en", None).await,
        "not_found",
    );
    // Suggestions for a ticket's subject, ranked by shared words; common
    // words ("I", "my") do not count, unless there is nothing else.
    let hits = f
        .desk
        .suggest_articles(
            f.ws,
            "I forgot my password, reset please",
            "en",
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(hits.id, None);
    assert_eq!(hits.articles[0].article.id, en.id);
    assert_eq!(hits.articles[0].score, 2); // password, reset
    let only_common = f
        .desk
        .suggest_articles(f.ws, "how do I", "en", None, None, None)
        .await
        .unwrap();
    assert_eq!(only_common.articles[0].article.id, en.id);
    assert_eq!(only_common.articles[0].score, 3);
    // Votes: one per voter, changeable.
    f.desk
        .vote_article(f.ws, en.id, "u1", Some(true))
        .await
        .unwrap();
    f.desk
        .vote_article(f.ws, en.id, "u2", Some(true))
        .await
        .unwrap();
    let stats = f
        .desk
        .vote_article(f.ws, en.id, "u1", Some(false))
        .await
        .unwrap();
    assert_eq!((stats.helpful, stats.not_helpful), (1, 1));
    let stats = f.desk.vote_article(f.ws, en.id, "u2", None).await.unwrap();
    assert_eq!((stats.helpful, stats.not_helpful), (0, 1));
    assert_eq!(f.desk.article_stats(f.ws, ru.id).await.unwrap().views, 1);
    // FAQ entries are the FAQ categories' articles.
    let faqs = f
        .desk
        .list_articles(
            f.ws,
            ArticleFilter {
                faq: true,
                ..ArticleFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(faqs.iter().map(|a| a.id).collect::<Vec<_>>(), vec![en.id]);
    // Edits re-index; a stale version is refused.
    let mut edit = article("refunds", "en", "Money back", "Chargebacks take a week.");
    let edited = f
        .desk
        .update_article(f.ws, refunds.id, edit.clone(), Some(1))
        .await
        .unwrap();
    assert_eq!(edited.version, 2);
    assert!(found("payments", "en").await.iter().all(|s| s != "refunds"));
    assert_eq!(found("chargeback", "en").await, ["refunds"]);
    edit.title = "Again".into();
    assert_code(
        f.desk.update_article(f.ws, refunds.id, edit, Some(1)).await,
        "conflict",
    );
}

pub async fn bad_knowledge_base_input_changes_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let en = f
        .desk
        .create_article(f.ws, article("a", "en", "A", "text"))
        .await
        .unwrap();
    assert_code(
        f.desk
            .create_article(f.ws, article("a", "en", "Dup", "x"))
            .await,
        "already_exists",
    );
    assert_code(
        f.desk
            .create_article(f.ws, article("Bad Slug", "en", "x", "x"))
            .await,
        "invalid_input",
    );
    assert_code(
        f.desk
            .create_article(f.ws, article("b", "e n", "x", "x"))
            .await,
        "invalid_input",
    );
    let mut same_language = article("b", "en", "x", "x");
    same_language.translation_of = Some(en.id);
    assert_code(
        f.desk.create_article(f.ws, same_language).await,
        "already_exists",
    );
    // A translation of a translation, an original with translations made
    // a translation, a category below itself: refused.
    let mut ru = article("a-ru", "ru", "А", "текст");
    ru.translation_of = Some(en.id);
    let ru = f.desk.create_article(f.ws, ru).await.unwrap();
    let other = f
        .desk
        .create_article(f.ws, article("other", "de", "O", "x"))
        .await
        .unwrap();
    let mut chain = article("c2", "de", "x", "x");
    chain.translation_of = Some(ru.id);
    assert_code(f.desk.create_article(f.ws, chain).await, "invalid_input");
    let mut demote = article("a", "en", "A", "text");
    demote.translation_of = Some(other.id);
    assert_code(
        f.desk.update_article(f.ws, en.id, demote, None).await,
        "invalid_input",
    );
    let top = f
        .desk
        .create_kb_category(
            f.ws,
            KbCategoryInput {
                slug: "top".into(),
                name: "Top".into(),
                ..KbCategoryInput::default()
            },
        )
        .await
        .unwrap();
    let below = f
        .desk
        .create_kb_category(
            f.ws,
            KbCategoryInput {
                slug: "below".into(),
                name: "Below".into(),
                parent: Some(top.id),
                ..KbCategoryInput::default()
            },
        )
        .await
        .unwrap();
    let looped = KbCategoryInput {
        slug: "top".into(),
        name: "Top".into(),
        parent: Some(below.id),
        ..KbCategoryInput::default()
    };
    assert_code(
        f.desk.update_kb_category(f.ws, top.id, looped).await,
        "invalid_input",
    );
    let before = f
        .desk
        .list_articles(f.ws, ArticleFilter::default())
        .await
        .unwrap();
    let mut ghost = article("c", "en", "x", "x");
    ghost.category = Some(KbCategoryId::generate());
    assert_code(f.desk.create_article(f.ws, ghost).await, "not_found");
    assert_code(
        f.desk
            .search_articles(f.ws, &"x".repeat(10_000), "en", None)
            .await,
        "invalid_input",
    );
    assert!(
        f.desk
            .search_articles(f.ws, "&|!:*()'\\", "en", None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        f.desk
            .list_articles(f.ws, ArticleFilter::default())
            .await
            .unwrap(),
        before
    );
}

/// Suggestions shown to customers, and the tickets opened anyway: the
/// deflection rate overall and per article.
pub async fn suggestions_record_deflection(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "other").await;
    let desk = &f.desk;
    let reset = desk
        .create_article(
            f.ws,
            article("reset", "en", "Reset your password", "Open settings."),
        )
        .await
        .unwrap();
    let refunds = desk
        .create_article(
            f.ws,
            article("refunds", "en", "Refunds and your password", "A week."),
        )
        .await
        .unwrap();
    let since = f.clock.now();
    let customer = &f.customer;
    let suggest = |text: &'static str| async move {
        desk.suggest_articles(f.ws, text, "en", None, None, Some(customer))
            .await
            .unwrap()
    };
    // Three customers see suggestions; one opens a ticket anyway.
    let first = suggest("password reset").await;
    assert_eq!(first.articles[0].article.id, reset.id);
    let first_id = first.id.expect("tracked suggestions have an id");
    let second = suggest("refunds").await;
    let _third = suggest("password").await;
    // Nothing shown, nothing recorded.
    assert_eq!(suggest("weather").await.id, None);
    let mut input = OpenTicket::new(f.customer.clone(), "Still locked out", "Reset failed");
    input.suggestions = first.id;
    input.idempotency_key = Some("k1".into());
    let t = desk.open_ticket(f.ws, input.clone()).await.unwrap();
    // A retry changes nothing; the set names its ticket.
    assert_eq!(desk.open_ticket(f.ws, input).await.unwrap().id, t.id);
    assert_eq!(
        desk.get_suggestions(f.ws, first_id).await.unwrap().ticket,
        Some(t.id)
    );
    assert_eq!(
        desk.get_suggestions(f.ws, second.id.unwrap())
            .await
            .unwrap()
            .ticket,
        None
    );
    f.clock.advance(TimeDelta::minutes(1));
    let report = desk
        .deflection_report(f.ws, since, f.clock.now())
        .await
        .unwrap();
    assert_eq!((report.shown, report.tickets_opened), (3, 1));
    assert!((report.deflection_rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    // reset: shown with "password reset" (ticket) and "password"; refunds:
    // with "password reset", "refunds" and "password".
    let per: Vec<_> = report
        .articles
        .iter()
        .map(|a| (a.title.as_str(), a.shown, a.tickets_opened))
        .collect();
    assert_eq!(
        per,
        [
            ("Refunds and your password", 3, 1),
            ("Reset your password", 2, 1)
        ]
    );
    assert_eq!(report.articles[1].article, reset.id);
    assert_eq!(report.articles[0].article, refunds.id);
    assert!((report.articles[1].deflection_rate - 0.5).abs() < 1e-9);
    // Outside the period: nothing; another workspace: nothing.
    let empty = desk.deflection_report(f.ws, since, since).await.unwrap();
    assert_eq!((empty.shown, empty.deflection_rate), (0, None));
    let theirs = desk
        .deflection_report(other.ws, since, f.clock.now())
        .await
        .unwrap();
    assert_eq!(theirs.shown, 0);
    // Unknown (or another workspace's) suggestions: not_found, nothing opened.
    let before = other.snapshot().await;
    let mut input = OpenTicket::new(other.customer.clone(), "Hi", "There");
    input.suggestions = first.id;
    assert_code(desk.open_ticket(other.ws, input).await, "not_found");
    assert_code(desk.get_suggestions(other.ws, first_id).await, "not_found");
    // Another customer cannot use them.
    let before_f = f.snapshot().await;
    let mut input = OpenTicket::new(f.customer2.clone(), "Hi", "There");
    input.suggestions = first.id;
    assert_code(desk.open_ticket(f.ws, input).await, "invalid_input");
    assert_eq!(f.snapshot().await, before_f);
    // Shown to an unknown customer: not_found, nothing recorded.
    let ghost = CustomerId::new("ghost").unwrap();
    assert_code(
        desk.suggest_articles(f.ws, "password", "en", None, None, Some(&ghost))
            .await,
        "not_found",
    );
    assert_code(
        desk.deflection_report(f.ws, f.clock.now(), since).await,
        "invalid_input",
    );
    assert_eq!(other.snapshot().await, before);
}

/// An inline `<script>` or `<style>` is left out of a stored article's
/// excerpt, as the sanitiser leaves it out of its page.
pub async fn kb_excerpts_leave_out_hidden_text(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let inline = article(
        "inline-script",
        "en",
        "Refunds",
        "Click **Refund**. <script>alert(2)</script><style>p{}</style>Done.",
    );
    let inline = f.desk.create_article(f.ws, inline).await.unwrap();
    assert_eq!(inline.excerpt, "Click Refund. Done.");
    assert!(!inline.html.contains("alert"));
    let stored = f.desk.get_article(f.ws, inline.id).await.unwrap();
    assert_eq!(stored.excerpt, inline.excerpt);
}
