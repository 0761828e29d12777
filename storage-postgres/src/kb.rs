//! The knowledge base: documents keyed by workspace and id, slugs unique
//! per language, votes upserted, views inserted.

use crate::catalog::docs;
use crate::statement::FOUND_MAX;
use crate::{PgStore, backend, commit, is_unique_violation, to_i64};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::types::Json;
use ticketry_core::kb::{Article, ArticleStats, DeflectionCounts, KbCategory, SuggestionSet};
use ticketry_core::store::{KbStore, StoreResult};
use ticketry_core::{ArticleId, StoreError, SuggestionId, TicketId, WorkspaceId};
use uuid::Uuid;

#[async_trait]
impl KbStore for PgStore {
    async fn put_kb_category(&self, ws: WorkspaceId, category: &KbCategory) -> StoreResult<()> {
        let mut tx = self.begin(ws).await?;
        sqlx::query(
            "INSERT INTO kb_categories (workspace_id, kb_category_id, language, slug, doc)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (workspace_id, kb_category_id)
             DO UPDATE SET language = $3, slug = $4, doc = $5",
        )
        .bind(ws.as_uuid())
        .bind(category.id.as_uuid())
        .bind(&category.language)
        .bind(&category.slug)
        .bind(Json(category))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, Some("kb_categories_slug")) {
                StoreError::AlreadyExists {
                    entity: "kb_category",
                    key: format!("{}/{}", category.language, category.slug),
                }
            } else {
                backend(e)
            }
        })?;
        commit(tx).await
    }

    async fn list_kb_categories(&self, ws: WorkspaceId) -> StoreResult<Vec<KbCategory>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM kb_categories WHERE workspace_id = $1
                 ORDER BY language, (doc->>'position')::int, doc->>'name'",
                &[&ws.as_uuid()],
            )
            .await?;
        docs(&rows)
    }

    async fn save_article(
        &self,
        ws: WorkspaceId,
        article: &Article,
        terms: &[String],
        expected_version: Option<u64>,
    ) -> StoreResult<()> {
        let a = article;
        let mut tx = self.begin(ws).await?;
        let version = to_i64(a.version, "article version")?;
        let result = match expected_version {
            None => sqlx::query(
                "INSERT INTO articles (workspace_id, article_id, language, slug, version, terms, doc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(ws.as_uuid())
            .bind(a.id.as_uuid())
            .bind(&a.language)
            .bind(&a.slug)
            .bind(version)
            .bind(terms)
            .bind(Json(a))
            .execute(&mut *tx)
            .await,
            Some(v) => sqlx::query(
                "UPDATE articles SET language = $3, slug = $4, version = $5, terms = $6, doc = $7
                 WHERE workspace_id = $1 AND article_id = $2 AND version = $8",
            )
            .bind(ws.as_uuid())
            .bind(a.id.as_uuid())
            .bind(&a.language)
            .bind(&a.slug)
            .bind(version)
            .bind(terms)
            .bind(Json(a))
            .bind(to_i64(v, "article version")?)
            .execute(&mut *tx)
            .await,
        };
        let done = result.map_err(|e| {
            if is_unique_violation(&e, Some("articles_slug")) {
                StoreError::AlreadyExists {
                    entity: "article",
                    key: format!("{}/{}", a.language, a.slug),
                }
            } else if is_unique_violation(&e, Some("articles_pkey")) {
                StoreError::AlreadyExists {
                    entity: "article",
                    key: a.id.to_string(),
                }
            } else {
                backend(e)
            }
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::VersionConflict {
                entity: "article",
                id: a.id.to_string(),
                expected: expected_version.unwrap_or(0),
            });
        }
        // Its terms' row, which `article_search` reads (migration 0022).
        sqlx::query(
            "INSERT INTO article_terms (workspace_id, article_id, terms)
             VALUES ($1, $2, scoped_words($1, $3))
             ON CONFLICT (workspace_id, article_id) DO UPDATE SET terms = EXCLUDED.terms",
        )
        .bind(ws.as_uuid())
        .bind(a.id.as_uuid())
        .bind(terms)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        commit(tx).await
    }

    async fn get_article(&self, ws: WorkspaceId, id: ArticleId) -> StoreResult<Option<Article>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM articles WHERE workspace_id = $1 AND article_id = $2",
                &[&ws.as_uuid(), &id.as_uuid()],
            )
            .await?;
        Ok(docs(&rows)?.pop())
    }

    async fn list_articles(
        &self,
        ws: WorkspaceId,
        any_of: Option<&[String]>,
    ) -> StoreResult<Vec<(Article, Vec<String>)>> {
        let rows = match any_of {
            None => {
                self.read(
                    ws,
                    "SELECT doc, terms FROM articles WHERE workspace_id = $1 ORDER BY language, slug",
                    &[&ws.as_uuid()],
                )
                .await?
            }
            Some(words) => {
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                // Through `article_terms`' index (migration 0022) when at
                // most `FOUND_MAX` articles share a word, rechecked here;
                // more are read with the workspace's articles.
                let found = self
                    .few_ids(
                        ws,
                        "SELECT ARRAY(SELECT article_search($1::text[], $2))",
                        &[&words, &(FOUND_MAX as i32 + 1)],
                    )
                    .await?;
                let by_key = if found.is_some() {
                    " AND article_id = ANY($3)"
                } else {
                    ""
                };
                let sql = format!(
                    "SELECT doc, terms FROM articles WHERE workspace_id = $1
                       AND terms && $2::text[]{by_key} ORDER BY language, slug"
                );
                let ids = found.unwrap_or_default();
                self.read(ws, &sql, &[&ws.as_uuid(), &words, &ids]).await?
            }
        };
        rows.iter()
            .map(|r| {
                let Json(a): Json<Article> = r.try_get(0).map_err(backend)?;
                let terms: Vec<String> = r.try_get(1).map_err(backend)?;
                Ok((a, terms))
            })
            .collect()
    }

    async fn vote_article(
        &self,
        ws: WorkspaceId,
        article: ArticleId,
        voter: &str,
        helpful: Option<bool>,
    ) -> StoreResult<()> {
        let mut tx = self.begin(ws).await?;
        let q = match helpful {
            Some(h) => sqlx::query(
                "INSERT INTO article_votes (workspace_id, article_id, voter, helpful)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (workspace_id, article_id, voter) DO UPDATE SET helpful = $4",
            )
            .bind(ws.as_uuid())
            .bind(article.as_uuid())
            .bind(voter)
            .bind(h),
            None => sqlx::query(
                "DELETE FROM article_votes WHERE workspace_id = $1 AND article_id = $2 AND voter = $3",
            )
            .bind(ws.as_uuid())
            .bind(article.as_uuid())
            .bind(voter),
        };
        q.execute(&mut *tx).await.map_err(backend)?;
        commit(tx).await
    }

    async fn record_article_view(&self, ws: WorkspaceId, article: ArticleId) -> StoreResult<()> {
        let mut tx = self.begin(ws).await?;
        sqlx::query("INSERT INTO article_views (workspace_id, article_id) VALUES ($1, $2)")
            .bind(ws.as_uuid())
            .bind(article.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        commit(tx).await
    }

    async fn article_stats(
        &self,
        ws: WorkspaceId,
        articles: &[ArticleId],
    ) -> StoreResult<Vec<ArticleStats>> {
        let ids: Vec<Uuid> = articles.iter().map(|a| a.as_uuid()).collect();
        let rows = self
            .read(
                ws,
                "SELECT
                    (SELECT count(*) FROM article_views v WHERE v.workspace_id = $1 AND v.article_id = u.id),
                    (SELECT count(*) FILTER (WHERE helpful) FROM article_votes x
                        WHERE x.workspace_id = $1 AND x.article_id = u.id),
                    (SELECT count(*) FILTER (WHERE NOT helpful) FROM article_votes x
                        WHERE x.workspace_id = $1 AND x.article_id = u.id)
                 FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, n) ORDER BY u.n",
                &[&ws.as_uuid(), &ids],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let n = |i: usize| -> StoreResult<u64> {
                    let v: i64 = r.try_get(i).map_err(backend)?;
                    Ok(v.unsigned_abs())
                };
                Ok(ArticleStats {
                    views: n(0)?,
                    helpful: n(1)?,
                    not_helpful: n(2)?,
                })
            })
            .collect()
    }

    async fn record_suggestions(&self, ws: WorkspaceId, shown: &SuggestionSet) -> StoreResult<()> {
        let articles: Vec<Uuid> = shown.articles.iter().map(|a| a.as_uuid()).collect();
        let mut tx = self.begin(ws).await?;
        sqlx::query(
            "INSERT INTO kb_suggestions (workspace_id, suggestion_id, customer_id, shown_at, articles,
                 ticket_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ws.as_uuid())
        .bind(shown.id.as_uuid())
        .bind(shown.customer.as_str())
        .bind(shown.shown_at)
        .bind(&articles)
        .bind(shown.ticket.map(|t| t.as_uuid()))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, None) {
                StoreError::AlreadyExists {
                    entity: "suggestions",
                    key: shown.id.to_string(),
                }
            } else {
                crate::workspace_fk(e, ws)
            }
        })?;
        commit(tx).await
    }

    async fn get_suggestions(
        &self,
        ws: WorkspaceId,
        id: SuggestionId,
    ) -> StoreResult<Option<SuggestionSet>> {
        let rows = self
            .read(
                ws,
                "SELECT shown_at, articles, ticket_id, customer_id FROM kb_suggestions
                 WHERE workspace_id = $1 AND suggestion_id = $2",
                &[&ws.as_uuid(), &id.as_uuid()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return self.require_workspace(ws).await.map(|()| None);
        };
        let articles: Vec<Uuid> = r.try_get(1).map_err(backend)?;
        let ticket: Option<Uuid> = r.try_get(2).map_err(backend)?;
        let customer: String = r.try_get(3).map_err(backend)?;
        Ok(Some(SuggestionSet {
            id,
            customer: ticketry_core::CustomerId::new(customer)
                .map_err(|e| StoreError::Backend(e.to_string()))?,
            shown_at: r.try_get(0).map_err(backend)?,
            articles: articles.into_iter().map(ArticleId::from_uuid).collect(),
            ticket: ticket.map(TicketId::from_uuid),
        }))
    }

    async fn deflection_counts(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<DeflectionCounts> {
        let rows = self
            .read(
                ws,
                "WITH s AS (
                    SELECT articles, ticket_id IS NOT NULL AS opened FROM kb_suggestions
                    WHERE workspace_id = $1 AND shown_at >= $2 AND shown_at < $3
                 )
                 SELECT NULL::uuid, count(*), count(*) FILTER (WHERE opened) FROM s
                 UNION ALL
                 SELECT a, count(*), count(*) FILTER (WHERE opened)
                 FROM s, unnest(s.articles) AS a GROUP BY a",
                &[&ws.as_uuid(), &since, &until],
            )
            .await?;
        let mut c = DeflectionCounts::default();
        for r in &rows {
            let article: Option<Uuid> = r.try_get(0).map_err(backend)?;
            let n = |i: usize| -> StoreResult<u64> {
                let v: i64 = r.try_get(i).map_err(backend)?;
                Ok(v.unsigned_abs())
            };
            match article {
                None => (c.shown, c.tickets_opened) = (n(1)?, n(2)?),
                Some(a) => c.articles.push((ArticleId::from_uuid(a), n(1)?, n(2)?)),
            }
        }
        c.articles.sort_by_key(|&(a, _, _)| a);
        Ok(c)
    }
}
