//! The knowledge base: categories and articles in several languages, with
//! FAQ categories whose articles are questions and answers.
//!
//! An article's body is Markdown, rendered to HTML by `pulldown-cmark` and
//! sanitised by `ammonia` (no script, no event handler, no `javascript:`
//! link survives), so a host may show `html` as it is. Elements nested
//! deeper than [`HTML_NESTING`](crate::limits::HTML_NESTING) lose their tags
//! (see [`crate::html`]). An article is seen
//! by readers when it is `published` and its `publish_at`, if any, has come;
//! translations of one article share `translation_of` (the original's id),
//! and a reader asking in a language gets the translation or, failing that,
//! the fallback language's article.
//!
//! ```
//! use ticketry_core::kb::render;
//! assert_eq!(render("**Hi** <script>alert(1)</script>"), "<p><strong>Hi</strong> </p>\n");
//! ```

use crate::ids::AgentId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Renders Markdown to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&crate::html::flatten(&html, crate::limits::HTML_NESTING))
}

/// The plain text of Markdown (for excerpts and search), whitespace folded.
/// The text inside inline `<script>` and `<style>` elements is left out, as
/// [`render`] removes it: an excerpt does not show what the page hides.
///
/// ```
/// use ticketry_core::kb::plain_text;
/// assert_eq!(plain_text("Click **Refund**. <script>alert(1)</script>"), "Click Refund.");
/// ```
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::new();
    // Inside an inline element whose content the sanitiser drops.
    let mut hidden = false;
    for e in Parser::new(markdown) {
        match e {
            Event::InlineHtml(tag) => {
                let tag = tag.to_ascii_lowercase();
                if tag.starts_with("<script") || tag.starts_with("<style") {
                    hidden = true;
                } else if tag.starts_with("</script") || tag.starts_with("</style") {
                    hidden = false;
                }
            }
            Event::Text(_) | Event::Code(_) if hidden => {}
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            // Blocks end with a space; inline emphasis does not.
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell,
            )
            | Event::SoftBreak
            | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A knowledge-base category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KbCategory {
    /// Id.
    pub id: crate::ids::KbCategoryId,
    /// URL key, unique per workspace and language.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Language (`en`, `ru`, `de-DE`).
    pub language: String,
    /// Parent category.
    pub parent: Option<crate::ids::KbCategoryId>,
    /// Icon name.
    pub icon: Option<String>,
    /// Display order.
    pub position: i32,
    /// Inactive categories are hidden from readers.
    pub active: bool,
    /// Its articles are FAQ entries (title: the question, body: the answer).
    pub faq: bool,
    /// Created.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
}

/// Input for a knowledge-base category.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct KbCategoryInput {
    /// URL key (letters, digits, `-`, `_`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Default: the workspace's locale.
    pub language: Option<String>,
    /// Parent category (same workspace).
    pub parent: Option<crate::ids::KbCategoryId>,
    /// Icon name.
    pub icon: Option<String>,
    /// Display order (default 0).
    pub position: Option<i32>,
    /// Default `true`.
    pub active: Option<bool>,
    /// An FAQ category (default `false`).
    pub faq: Option<bool>,
}

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Being written: readers do not see it.
    Draft,
    /// Readers see it (from `publish_at`, when set).
    Published,
    /// Withdrawn.
    Archived,
}

/// A knowledge-base article (or FAQ entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Article {
    /// Id.
    pub id: crate::ids::ArticleId,
    /// Its category.
    pub category: Option<crate::ids::KbCategoryId>,
    /// Language.
    pub language: String,
    /// URL key, unique per workspace and language.
    pub slug: String,
    /// Title (an FAQ entry's question).
    pub title: String,
    /// Markdown (an FAQ entry's answer).
    pub body: String,
    /// The body rendered to sanitised HTML.
    pub html: String,
    /// A short summary (default: the start of the body's text).
    pub excerpt: String,
    /// Tag slugs.
    pub tags: Vec<String>,
    /// For search engines.
    pub meta_description: Option<String>,
    /// Draft, published or archived.
    pub status: ArticleStatus,
    /// Scheduled publication: hidden until then even when published.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub publish_at: Option<DateTime<Utc>>,
    /// Who wrote it.
    pub author: Option<AgentId>,
    /// The article this one translates (all translations name the original).
    pub translation_of: Option<crate::ids::ArticleId>,
    /// Created.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
    /// Last changed.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, +1 on every change.
    pub version: u64,
}

impl Article {
    /// Its search terms: title, excerpt and the body's text.
    pub fn terms(&self) -> Vec<String> {
        let mut t = crate::search::terms(&self.title);
        t.extend(crate::search::terms(&self.excerpt));
        t.extend(crate::search::terms(&plain_text(&self.body)));
        t
    }

    /// Whether readers see it at `now`.
    pub fn visible(&self, now: DateTime<Utc>) -> bool {
        self.status == ArticleStatus::Published && self.publish_at.is_none_or(|p| p <= now)
    }

    /// The id its translations share (the original's).
    pub fn family(&self) -> crate::ids::ArticleId {
        self.translation_of.unwrap_or(self.id)
    }
}

/// Input for creating or replacing an article.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Its category (same workspace).
    pub category: Option<crate::ids::KbCategoryId>,
    /// Default: the workspace's locale.
    pub language: Option<String>,
    /// URL key (letters, digits, `-`, `_`).
    pub slug: String,
    /// Title.
    pub title: String,
    /// Markdown, at most 100 000 characters.
    pub body: String,
    /// Default: the first 200 characters of the body's text.
    pub excerpt: Option<String>,
    /// Tag slugs.
    #[serde(default)]
    pub tags: Vec<String>,
    /// For search engines.
    pub meta_description: Option<String>,
    /// Default `draft`.
    pub status: Option<ArticleStatus>,
    /// Scheduled publication.
    pub publish_at: Option<DateTime<Utc>>,
    /// Who wrote it (an agent).
    pub author: Option<AgentId>,
    /// The article this one translates.
    pub translation_of: Option<crate::ids::ArticleId>,
}

/// An article's reader figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticleStats {
    /// Page views recorded.
    pub views: u64,
    /// "Helpful" votes (one per voter, changeable).
    pub helpful: u64,
    /// "Not helpful" votes.
    pub not_helpful: u64,
}

/// An article a search or a suggestion found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticleHit {
    /// The article.
    pub article: Article,
    /// How many of the query's words it has (suggestions rank by it).
    pub score: u32,
}

/// Article suggestions shown to someone about to open a ticket, as
/// [`Helpdesk::suggest_articles`](crate::Helpdesk::suggest_articles) records
/// them with `shown_to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SuggestionSet {
    /// Id (pass it as `suggestions` when opening the ticket anyway).
    pub id: crate::ids::SuggestionId,
    /// The customer they were shown to.
    pub customer: crate::ids::CustomerId,
    /// When they were shown.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub shown_at: DateTime<Utc>,
    /// The articles shown, best first.
    pub articles: Vec<crate::ids::ArticleId>,
    /// The ticket opened after seeing them (not deflected), if any.
    pub ticket: Option<crate::ids::TicketId>,
}

/// What [`Helpdesk::suggest_articles`](crate::Helpdesk::suggest_articles) returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Suggestions {
    /// With `shown_to` and at least one article: the recorded set's id, to pass
    /// as `suggestions` to `open_ticket` if the customer opens one anyway.
    pub id: Option<crate::ids::SuggestionId>,
    /// The articles, best first.
    pub articles: Vec<ArticleHit>,
}

/// Raw deflection counts over a period (what a store computes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeflectionCounts {
    /// Suggestion sets shown.
    pub shown: u64,
    /// Of them, followed by a ticket.
    pub tickets_opened: u64,
    /// Per article (by id): sets that held it, and of them followed by a ticket.
    pub articles: Vec<(crate::ids::ArticleId, u64, u64)>,
}

/// How well suggestions deflected tickets over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeflectionReport {
    /// Suggestion sets shown (with `shown_to`).
    pub shown: u64,
    /// Of them, followed by a ticket anyway.
    pub tickets_opened: u64,
    /// `1 - tickets_opened / shown` (`None` when nothing was shown).
    pub deflection_rate: Option<f64>,
    /// Per article, most shown first.
    pub articles: Vec<ArticleDeflection>,
}

/// One article's deflection over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArticleDeflection {
    /// The article.
    pub article: crate::ids::ArticleId,
    /// Its title (empty if it was deleted since).
    pub title: String,
    /// Suggestion sets that held it.
    pub shown: u64,
    /// Of them, followed by a ticket anyway.
    pub tickets_opened: u64,
    /// `1 - tickets_opened / shown`.
    pub deflection_rate: f64,
}

impl DeflectionReport {
    /// The report of `counts`, with each article's title from `title`.
    pub fn of(counts: DeflectionCounts, title: impl Fn(crate::ids::ArticleId) -> String) -> Self {
        let rate = |shown: u64, opened: u64| 1.0 - opened as f64 / shown as f64;
        let mut articles: Vec<ArticleDeflection> = counts
            .articles
            .into_iter()
            .filter(|&(_, shown, _)| shown > 0)
            .map(|(article, shown, opened)| ArticleDeflection {
                article,
                title: title(article),
                shown,
                tickets_opened: opened,
                deflection_rate: rate(shown, opened),
            })
            .collect();
        articles.sort_by(|a, b| b.shown.cmp(&a.shown).then(a.article.cmp(&b.article)));
        Self {
            shown: counts.shown,
            tickets_opened: counts.tickets_opened,
            deflection_rate: (counts.shown > 0).then(|| rate(counts.shown, counts.tickets_opened)),
            articles,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render("# Reset\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(html.contains("<h1>Reset</h1>"), "{html}");
        assert!(
            !html.contains("javascript") && !html.contains("onerror"),
            "{html}"
        );
        assert_eq!(
            plain_text("# Reset\n\nOpen **Settings**, then `Security`."),
            "Reset Open Settings, then Security."
        );
    }
}
