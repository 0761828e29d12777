//! The knowledge base: categories, articles, reading with a fallback
//! language, search, suggestions and votes (see [`crate::kb`]).

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::ids::{ArticleId, CustomerId, KbCategoryId, SuggestionId, WorkspaceId};
use crate::kb::{
    Article, ArticleHit, ArticleInput, ArticleStats, ArticleStatus, DeflectionReport, KbCategory,
    KbCategoryInput, SuggestionSet, Suggestions, plain_text, render,
};
use crate::search::{Clause, Query};
use crate::{StoreError, validate};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Longest article body, in characters.
const MAX_BODY: usize = 100_000;
/// Most suggestions returned.
const MAX_SUGGESTIONS: usize = 20;

/// Which articles [`Helpdesk::list_articles`] returns.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ArticleFilter {
    /// In this category.
    pub category: Option<KbCategoryId>,
    /// In this language.
    pub language: Option<String>,
    /// With this status.
    pub status: Option<ArticleStatus>,
    /// Only what readers see now (published, publication time come).
    #[serde(default)]
    pub visible: bool,
    /// Only FAQ entries (articles of FAQ categories).
    #[serde(default)]
    pub faq: bool,
}

impl Helpdesk {
    /// Creates a knowledge-base category (`already_exists` when its
    /// language has the slug).
    pub async fn create_kb_category(
        &self,
        ws: WorkspaceId,
        input: KbCategoryInput,
    ) -> Result<KbCategory> {
        let c = self
            .kb_category(ws, KbCategoryId::generate(), input, None)
            .await?;
        self.store.put_kb_category(ws, &c).await?;
        Ok(c)
    }

    /// Replaces a knowledge-base category's fields.
    pub async fn update_kb_category(
        &self,
        ws: WorkspaceId,
        id: KbCategoryId,
        input: KbCategoryInput,
    ) -> Result<KbCategory> {
        let old = self.get_kb_category(ws, id).await?;
        let c = self.kb_category(ws, id, input, Some(old)).await?;
        self.store.put_kb_category(ws, &c).await?;
        Ok(c)
    }

    /// Knowledge-base categories (of `language`, when given).
    pub async fn list_kb_categories(
        &self,
        ws: WorkspaceId,
        language: Option<String>,
    ) -> Result<Vec<KbCategory>> {
        self.catalog(ws).await?;
        let all = self.store.list_kb_categories(ws).await?;
        Ok(all
            .into_iter()
            .filter(|c| language.as_ref().is_none_or(|l| &c.language == l))
            .collect())
    }

    async fn get_kb_category(&self, ws: WorkspaceId, id: KbCategoryId) -> Result<KbCategory> {
        self.list_kb_categories(ws, None)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::not_found("kb_category", id))
    }

    async fn kb_category(
        &self,
        ws: WorkspaceId,
        id: KbCategoryId,
        input: KbCategoryInput,
        old: Option<KbCategory>,
    ) -> Result<KbCategory> {
        let catalog = self.catalog(ws).await?;
        if let Some(p) = input.parent {
            // Walk up from the parent: meeting this category is a loop.
            let all = self.list_kb_categories(ws, None).await?;
            let mut at = Some(p);
            while let Some(c) = at {
                if c == id {
                    return Err(Error::invalid_input(
                        "parent",
                        "a category cannot be below itself",
                    ));
                }
                at = all
                    .iter()
                    .find(|x| x.id == c)
                    .ok_or_else(|| Error::not_found("kb_category", c))?
                    .parent;
            }
        }
        Ok(KbCategory {
            id,
            slug: validate::key("slug", &input.slug)?,
            name: validate::text("name", &input.name, 200)?,
            language: language(input.language, &catalog.workspace.settings.locale)?,
            parent: input.parent,
            icon: validate::optional_text("icon", input.icon.as_deref(), 100)?,
            position: input.position.unwrap_or(0),
            active: input.active.unwrap_or(true),
            faq: input.faq.unwrap_or(false),
            created_at: match old {
                Some(o) => o.created_at,
                None => self.now()?,
            },
        })
    }

    /// Creates an article (a draft unless `status` says otherwise).
    pub async fn create_article(&self, ws: WorkspaceId, input: ArticleInput) -> Result<Article> {
        let now = self.now()?;
        let a = self
            .article(ws, ArticleId::generate(), input, now, None)
            .await?;
        self.store.save_article(ws, &a, &a.terms(), None).await?;
        Ok(a)
    }

    /// Replaces an article's fields (with `expected_version`, only if it is
    /// still at that version: `conflict` otherwise).
    pub async fn update_article(
        &self,
        ws: WorkspaceId,
        id: ArticleId,
        input: ArticleInput,
        expected_version: Option<u64>,
    ) -> Result<Article> {
        for _ in 0..super::tickets::RETRIES {
            let old = self.get_article(ws, id).await?;
            if let Some(v) = expected_version.filter(|v| *v != old.version) {
                return Err(Error::Conflict {
                    message: format!("article {id} is at version {}, not {v}", old.version),
                });
            }
            let version = old.version;
            let a = self
                .article(ws, id, input.clone(), self.now()?, Some(old))
                .await?;
            match self
                .store
                .save_article(ws, &a, &a.terms(), Some(version))
                .await
            {
                Ok(()) => return Ok(a),
                Err(StoreError::VersionConflict { .. }) if expected_version.is_none() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict {
            message: format!("article {id} kept changing"),
        })
    }

    /// An article by id, whatever its status (the staff view).
    pub async fn get_article(&self, ws: WorkspaceId, id: ArticleId) -> Result<Article> {
        self.store
            .get_article(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("article", id))
    }

    /// What a reader sees at `slug` in `language`: the visible article, or
    /// the visible translation in `fallback` of the article with that slug in
    /// either language; `not_found` otherwise. Records a view.
    pub async fn read_article(
        &self,
        ws: WorkspaceId,
        slug: &str,
        language: &str,
        fallback: Option<&str>,
    ) -> Result<Article> {
        let now = self.now()?;
        let all = self.articles(ws, None).await?;
        let langs: Vec<&str> = std::iter::once(language).chain(fallback).collect();
        // The slug in the reader's language first, then in the fallback's.
        let wanted = langs.iter().find_map(|l| {
            all.iter()
                .find(|(a, _)| a.slug == slug && a.language == *l)
                .map(|(a, _)| a.family())
        });
        let pick = wanted.and_then(|family| {
            langs.iter().find_map(|l| {
                all.iter()
                    .map(|(a, _)| a)
                    .find(|a| a.family() == family && a.language == *l && a.visible(now))
            })
        });
        let a = pick
            .cloned()
            .ok_or_else(|| Error::not_found("article", slug))?;
        self.store.record_article_view(ws, a.id).await?;
        Ok(a)
    }

    /// Articles matching `filter`, by language then slug.
    pub async fn list_articles(
        &self,
        ws: WorkspaceId,
        filter: ArticleFilter,
    ) -> Result<Vec<Article>> {
        let now = self.now()?;
        let faq: HashSet<KbCategoryId> = if filter.faq {
            self.store
                .list_kb_categories(ws)
                .await?
                .into_iter()
                .filter(|c| c.faq)
                .map(|c| c.id)
                .collect()
        } else {
            HashSet::new()
        };
        Ok(self
            .articles(ws, None)
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| filter.category.is_none_or(|c| a.category == Some(c)))
            .filter(|a| filter.language.as_ref().is_none_or(|l| &a.language == l))
            .filter(|a| filter.status.is_none_or(|s| a.status == s))
            .filter(|a| !filter.visible || a.visible(now))
            .filter(|a| !filter.faq || a.category.is_some_and(|c| faq.contains(&c)))
            .collect())
    }

    /// Searches the visible articles with the ticket search's syntax and
    /// terms: per article, its version in `language` when that one matches,
    /// else its version in `fallback` when that one does; hits by score
    /// (words found), then newest.
    pub async fn search_articles(
        &self,
        ws: WorkspaceId,
        text: &str,
        language: &str,
        fallback: Option<&str>,
    ) -> Result<Vec<ArticleHit>> {
        let query = Query::parse(text, false).map_err(|_| {
            Error::invalid_input(
                "text",
                format!(
                    "at most {} characters and {} words",
                    crate::search::MAX_QUERY,
                    crate::search::MAX_TERMS
                ),
            )
        })?;
        let Some(query) = query else {
            return Ok(Vec::new());
        };
        // Candidates: articles with a term of the first group (exact terms
        // only; a prefix reads them all).
        let any_of: Option<Vec<String>> = query.all.first().and_then(|group| {
            let mut terms = Vec::new();
            for c in group {
                match c {
                    Clause::Term { prefix: true, .. } => return None,
                    Clause::Term { term, .. } => terms.push(term.clone()),
                    Clause::Phrase(p) => terms.extend(p.iter().cloned()),
                }
            }
            Some(terms)
        });
        let hits = self
            .readable(ws, language, fallback, any_of.as_deref(), |t| {
                query.matches(t)
            })
            .await?
            .into_iter()
            .map(|(article, terms)| {
                let score = score(&query.wanted(), &terms);
                ArticleHit { article, score }
            })
            .collect();
        Ok(ranked(hits, usize::MAX))
    }

    /// Articles that may answer `text` (a ticket's subject before it is
    /// sent, or an open ticket's for an agent): the visible ones sharing the
    /// most of its words (common words such as "my" do not count), at most
    /// `limit` (default 5, at most 20).
    ///
    /// With `shown_to` (a customer about to open a ticket), the articles
    /// shown are recorded and the result carries the record's id: pass it as
    /// `suggestions` to that customer's `open_ticket` if they open one
    /// anyway, and [`deflection_report`](Self::deflection_report) tells how
    /// often each article spared a ticket.
    pub async fn suggest_articles(
        &self,
        ws: WorkspaceId,
        text: &str,
        language: &str,
        fallback: Option<&str>,
        limit: Option<usize>,
        shown_to: Option<&CustomerId>,
    ) -> Result<Suggestions> {
        let articles = self
            .suggestion_hits(ws, text, language, fallback, limit)
            .await?;
        let id = if let Some(customer) = shown_to.filter(|_| !articles.is_empty()) {
            self.get_customer(ws, customer).await?;
            let shown = SuggestionSet {
                id: SuggestionId::generate(),
                customer: customer.clone(),
                shown_at: self.now()?,
                articles: articles.iter().map(|h| h.article.id).collect(),
                ticket: None,
            };
            self.store.record_suggestions(ws, &shown).await?;
            Some(shown.id)
        } else {
            None
        };
        Ok(Suggestions { id, articles })
    }

    /// Suggestions recorded by [`suggest_articles`](Self::suggest_articles).
    pub async fn get_suggestions(
        &self,
        ws: WorkspaceId,
        id: SuggestionId,
    ) -> Result<SuggestionSet> {
        self.store
            .get_suggestions(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("suggestions", id))
    }

    /// How the suggestions shown (with `shown_to`) in `[since, until)`
    /// deflected tickets: overall and per article, the sets shown and how
    /// many were followed by a ticket anyway.
    pub async fn deflection_report(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<DeflectionReport> {
        crate::limits::instant("since", since)?;
        crate::limits::instant("until", until)?;
        if until < since {
            return Err(Error::invalid_input("until", "must not be before `since`"));
        }
        self.catalog(ws).await?;
        let counts = self.store.deflection_counts(ws, since, until).await?;
        let mut titles = HashMap::new();
        for &(id, _, _) in &counts.articles {
            if let Some(a) = self.store.get_article(ws, id).await? {
                titles.insert(id, a.title);
            }
        }
        Ok(DeflectionReport::of(counts, |id| {
            titles.get(&id).cloned().unwrap_or_default()
        }))
    }

    async fn suggestion_hits(
        &self,
        ws: WorkspaceId,
        text: &str,
        language: &str,
        fallback: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<ArticleHit>> {
        validate::body("text", text, 10_000)?;
        // The first distinct words, in the text's order, without common
        // words (unless the text has nothing else).
        let all = crate::search::terms(text);
        let telling = all.iter().any(|t| !crate::search::is_stop_word(t));
        let mut words: Vec<String> = Vec::new();
        for t in all {
            if telling && crate::search::is_stop_word(&t) {
                continue;
            }
            if !words.contains(&t) {
                words.push(t);
            }
            if words.len() == crate::search::MAX_TERMS {
                break;
            }
        }
        let wanted: Vec<Clause> = words
            .iter()
            .map(|term| Clause::Term {
                term: term.clone(),
                prefix: false,
            })
            .collect();
        let wanted: Vec<&Clause> = wanted.iter().collect();
        let shares = |t: &[String]| t.iter().any(|x| words.contains(x));
        let hits = self
            .readable(ws, language, fallback, Some(&words), shares)
            .await?
            .into_iter()
            .map(|(article, terms)| {
                let score = score(&wanted, &terms);
                ArticleHit { article, score }
            })
            .collect();
        Ok(ranked(hits, limit.unwrap_or(5).clamp(1, MAX_SUGGESTIONS)))
    }

    /// Sets `voter`'s vote on a visible article (`helpful`: true or false;
    /// `None` withdraws it); one vote per voter, changeable. Returns the
    /// article's figures.
    pub async fn vote_article(
        &self,
        ws: WorkspaceId,
        id: ArticleId,
        voter: &str,
        helpful: Option<bool>,
    ) -> Result<ArticleStats> {
        let voter = validate::text("voter", voter, 255)?;
        let a = self.get_article(ws, id).await?;
        if !a.visible(self.now()?) {
            return Err(Error::not_found("article", id));
        }
        self.store.vote_article(ws, id, &voter, helpful).await?;
        self.article_stats(ws, id).await
    }

    /// An article's views and votes.
    pub async fn article_stats(&self, ws: WorkspaceId, id: ArticleId) -> Result<ArticleStats> {
        self.get_article(ws, id).await?;
        let mut stats = self.store.article_stats(ws, &[id]).await?;
        Ok(stats.pop().unwrap_or_default())
    }

    async fn articles(
        &self,
        ws: WorkspaceId,
        any_of: Option<&[String]>,
    ) -> Result<Vec<(Article, Vec<String>)>> {
        self.catalog(ws).await?;
        Ok(self.store.list_articles(ws, any_of).await?)
    }

    /// The visible articles matching `matches` (among those with a term of
    /// `any_of`, when given, which must hold for every match) a reader of
    /// `language` gets: per article, its matching version in `language`,
    /// else its matching version in `fallback`.
    async fn readable(
        &self,
        ws: WorkspaceId,
        language: &str,
        fallback: Option<&str>,
        any_of: Option<&[String]>,
        matches: impl Fn(&[String]) -> bool,
    ) -> Result<Vec<(Article, Vec<String>)>> {
        let now = self.now()?;
        let found: Vec<_> = self
            .articles(ws, any_of)
            .await?
            .into_iter()
            .filter(|(a, terms)| a.visible(now) && matches(terms))
            .collect();
        let families: HashSet<ArticleId> = found
            .iter()
            .filter(|(a, _)| a.language == language)
            .map(|(a, _)| a.family())
            .collect();
        Ok(found
            .into_iter()
            .filter(|(a, _)| {
                a.language == language
                    || (fallback == Some(a.language.as_str()) && !families.contains(&a.family()))
            })
            .collect())
    }

    async fn article(
        &self,
        ws: WorkspaceId,
        id: ArticleId,
        input: ArticleInput,
        now: chrono::DateTime<chrono::Utc>,
        old: Option<Article>,
    ) -> Result<Article> {
        let catalog = self.catalog(ws).await?;
        let language = language(input.language, &catalog.workspace.settings.locale)?;
        if let Some(c) = input.category {
            self.get_kb_category(ws, c).await?;
        }
        if let Some(agent) = &input.author {
            self.get_agent(ws, agent).await?;
        }
        if let Some(original) = input.translation_of {
            let o = self.get_article(ws, original).await?;
            if o.translation_of.is_some() || o.id == id {
                return Err(Error::invalid_input(
                    "translation_of",
                    "name the original article, not a translation",
                ));
            }
            // An original with translations cannot become a translation.
            let has_translations = self
                .store
                .list_articles(ws, None)
                .await?
                .iter()
                .any(|(a, _)| a.translation_of == Some(id));
            if has_translations {
                return Err(Error::invalid_input(
                    "translation_of",
                    "this article has translations of its own",
                ));
            }
            let clash = self
                .store
                .list_articles(ws, None)
                .await?
                .into_iter()
                .any(|(a, _)| a.id != id && a.family() == original && a.language == language);
            if clash || o.language == language {
                return Err(Error::AlreadyExists {
                    entity: "translation",
                    key: format!("{original} in {language}"),
                });
            }
        }
        let body = validate::body("body", &input.body, MAX_BODY)?.to_owned();
        let text = plain_text(&body);
        let excerpt = match input.excerpt {
            Some(e) => validate::paragraph("excerpt", &e, 500)?,
            None => text.chars().take(200).collect(),
        };
        let tags = validate::tags("tags", &input.tags)?;
        Ok(Article {
            id,
            category: input.category,
            language,
            slug: validate::key("slug", &input.slug)?,
            title: validate::text("title", &input.title, 300)?,
            html: render(&body),
            body,
            excerpt,
            tags,
            meta_description: validate::optional_text(
                "meta_description",
                input.meta_description.as_deref(),
                300,
            )?,
            status: input.status.unwrap_or(ArticleStatus::Draft),
            publish_at: input.publish_at,
            author: input.author,
            translation_of: input.translation_of,
            created_at: old.as_ref().map_or(now, |o| o.created_at),
            updated_at: now,
            version: old.map_or(1, |o| o.version + 1),
        })
    }
}

/// A language tag (`en`, `pt-BR`): default the workspace's locale.
fn language(given: Option<String>, default: &str) -> Result<String> {
    let l = given.unwrap_or_else(|| default.to_owned());
    let ok = !l.is_empty()
        && l.len() <= 35
        && l.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(l)
    } else {
        Err(Error::invalid_input(
            "language",
            "a language tag such as en or pt-BR",
        ))
    }
}

/// How many distinct clauses of `wanted` the terms contain.
fn score(wanted: &[&Clause], terms: &[String]) -> u32 {
    wanted.iter().filter(|c| c.matches(terms)).count() as u32
}

/// Hits by score, then newest (then id), at most `limit`.
fn ranked(mut hits: Vec<ArticleHit>, limit: usize) -> Vec<ArticleHit> {
    hits.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.article.updated_at.cmp(&a.article.updated_at))
            .then(a.article.id.cmp(&b.article.id))
    });
    hits.truncate(limit);
    hits
}
