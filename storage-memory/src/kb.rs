//! The knowledge base.

use super::*;
use ticketry_core::ArticleId;
use ticketry_core::SuggestionId;
use ticketry_core::kb::{Article, ArticleStats, DeflectionCounts, KbCategory, SuggestionSet};
use ticketry_core::store::KbStore;

fn slug_taken(entity: &'static str, language: &str, slug: &str) -> StoreError {
    StoreError::AlreadyExists {
        entity,
        key: format!("{language}/{slug}"),
    }
}

#[async_trait]
impl KbStore for MemoryStore {
    async fn put_kb_category(&self, ws: WorkspaceId, category: &KbCategory) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            let c = category;
            if d.kb_categories
                .iter()
                .any(|o| o.id != c.id && o.language == c.language && o.slug == c.slug)
            {
                return Err(slug_taken("kb_category", &c.language, &c.slug));
            }
            match d.kb_categories.iter_mut().find(|o| o.id == c.id) {
                Some(o) => *o = c.clone(),
                None => d.kb_categories.push(c.clone()),
            }
            Ok(())
        })
    }

    async fn list_kb_categories(&self, ws: WorkspaceId) -> StoreResult<Vec<KbCategory>> {
        self.with(ws, |d| {
            let mut all = d.kb_categories.clone();
            all.sort_by(|a, b| {
                (&a.language, a.position, &a.name).cmp(&(&b.language, b.position, &b.name))
            });
            all
        })
    }

    async fn save_article(
        &self,
        ws: WorkspaceId,
        article: &Article,
        terms: &[String],
        expected_version: Option<u64>,
    ) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            let a = article;
            if d.articles
                .iter()
                .any(|(o, _)| o.id != a.id && o.language == a.language && o.slug == a.slug)
            {
                return Err(slug_taken("article", &a.language, &a.slug));
            }
            let at = d.articles.iter().position(|(o, _)| o.id == a.id);
            match (at, expected_version) {
                (None, None) => d.articles.push((a.clone(), terms.to_vec())),
                (Some(i), Some(v)) if d.articles[i].0.version == v => {
                    d.articles[i] = (a.clone(), terms.to_vec());
                }
                (Some(_), None) => {
                    return Err(StoreError::AlreadyExists {
                        entity: "article",
                        key: a.id.to_string(),
                    });
                }
                (_, Some(v)) => {
                    return Err(StoreError::VersionConflict {
                        entity: "article",
                        id: a.id.to_string(),
                        expected: v,
                    });
                }
            }
            Ok(())
        })
    }

    async fn get_article(&self, ws: WorkspaceId, id: ArticleId) -> StoreResult<Option<Article>> {
        self.with(ws, |d| {
            d.articles
                .iter()
                .find(|(a, _)| a.id == id)
                .map(|(a, _)| a.clone())
        })
    }

    async fn list_articles(
        &self,
        ws: WorkspaceId,
        any_of: Option<&[String]>,
    ) -> StoreResult<Vec<(Article, Vec<String>)>> {
        self.with(ws, |d| {
            let mut all: Vec<_> = d
                .articles
                .iter()
                .filter(|(_, terms)| any_of.is_none_or(|w| terms.iter().any(|t| w.contains(t))))
                .cloned()
                .collect();
            all.sort_by(|(a, _), (b, _)| (&a.language, &a.slug).cmp(&(&b.language, &b.slug)));
            all
        })
    }

    async fn vote_article(
        &self,
        ws: WorkspaceId,
        article: ArticleId,
        voter: &str,
        helpful: Option<bool>,
    ) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            let key = (article, Box::<str>::from(voter));
            match helpful {
                Some(h) => d.votes.insert(key, h),
                None => d.votes.remove(&key),
            };
            Ok(())
        })
    }

    async fn record_article_view(&self, ws: WorkspaceId, article: ArticleId) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            *d.views.entry(article).or_default() += 1;
            Ok(())
        })
    }

    async fn article_stats(
        &self,
        ws: WorkspaceId,
        articles: &[ArticleId],
    ) -> StoreResult<Vec<ArticleStats>> {
        self.with(ws, |d| {
            articles
                .iter()
                .map(|id| {
                    let votes = d.votes.iter().filter(|((a, _), _)| a == id);
                    let helpful = votes.clone().filter(|(_, h)| **h).count() as u64;
                    ArticleStats {
                        views: d.views.get(id).copied().unwrap_or(0),
                        helpful,
                        not_helpful: votes.count() as u64 - helpful,
                    }
                })
                .collect()
        })
    }

    async fn record_suggestions(&self, ws: WorkspaceId, shown: &SuggestionSet) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            if d.suggestions.contains_key(&shown.id) {
                return Err(StoreError::AlreadyExists {
                    entity: "suggestions",
                    key: shown.id.to_string(),
                });
            }
            d.suggestions.insert(shown.id, shown.clone());
            Ok(())
        })
    }

    async fn get_suggestions(
        &self,
        ws: WorkspaceId,
        id: SuggestionId,
    ) -> StoreResult<Option<SuggestionSet>> {
        self.with(ws, |d| d.suggestions.get(&id).cloned())
    }

    async fn deflection_counts(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<DeflectionCounts> {
        self.with(ws, |d| {
            let mut c = DeflectionCounts::default();
            let mut per: BTreeMap<ArticleId, (u64, u64)> = BTreeMap::new();
            for s in d
                .suggestions
                .values()
                .filter(|s| s.shown_at >= since && s.shown_at < until)
            {
                let opened = u64::from(s.ticket.is_some());
                c.shown += 1;
                c.tickets_opened += opened;
                for a in &s.articles {
                    let e = per.entry(*a).or_default();
                    e.0 += 1;
                    e.1 += opened;
                }
            }
            c.articles = per.into_iter().map(|(a, (s, o))| (a, s, o)).collect();
            c
        })
    }
}
