//! Workspaces, the directory (agents, customers, teams) and the catalog
//! (priorities, categories, tags, templates, SLA policies).

use crate::statement::{Param, Prepared, WriteError, by_key};
use crate::{PgStore, backend, commit, is_unique_violation, missing_workspace, workspace_fk};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, Row};
use std::sync::Arc;
use ticketry_core::sla::SlaPolicy;
use ticketry_core::store::{
    CatalogStore, DirectoryStore, StoreResult, WorkspaceCatalog, WorkspaceStore,
};
use ticketry_core::{
    Agent, AgentId, Category, CategoryId, Customer, CustomerId, Priority, StoreError, Tag, Team,
    TeamId, Template, TemplateId, Workspace, WorkspaceId,
};

by_key!(GET_AGENT, "agents", "agent_id", "text");
by_key!(GET_CUSTOMER, "customers", "customer_id", "text");
by_key!(GET_TEAM, "teams", "team_id", "uuid");
by_key!(GET_CATEGORY, "categories", "category_id", "uuid");
by_key!(GET_TEMPLATE, "templates", "template_id", "uuid");

/// An upsert of one document by key (`$1` workspace, `$2` key, `$3` doc).
macro_rules! upsert {
    ($name:ident, $table:literal, $key:literal, $key_type:literal) => {
        const $name: Prepared = Prepared {
            name: concat!("put_", $table),
            types: concat!("uuid, ", $key_type, ", jsonb"),
            sql: concat!(
                "INSERT INTO ",
                $table,
                " (workspace_id, ",
                $key,
                ", doc) VALUES ($1, $2, $3)
                 ON CONFLICT (workspace_id, ",
                $key,
                ") DO UPDATE SET doc = EXCLUDED.doc"
            ),
        };
    };
}

upsert!(PUT_AGENTS, "agents", "agent_id", "text");
/// A customer with its search terms (`$4`, a tsvector literal), and their
/// row of `customer_terms`, which `customer_search` reads (migration 0023).
const PUT_CUSTOMERS: Prepared = Prepared {
    name: "put_customers",
    types: "uuid, text, jsonb, text",
    sql: "WITH c AS (
              INSERT INTO customers (workspace_id, customer_id, doc, search)
              VALUES ($1, $2, $3, $4::tsvector)
              ON CONFLICT (workspace_id, customer_id)
              DO UPDATE SET doc = EXCLUDED.doc, search = EXCLUDED.search
              RETURNING customer_id
          )
          INSERT INTO customer_terms (workspace_id, customer_id, terms)
          SELECT $1, customer_id, scoped_terms($1, $4::tsvector) FROM c
          ON CONFLICT (workspace_id, customer_id) DO UPDATE SET terms = EXCLUDED.terms",
};
upsert!(PUT_TEAMS, "teams", "team_id", "uuid");
upsert!(PUT_CATEGORIES, "categories", "category_id", "uuid");
upsert!(PUT_TAGS, "tags", "slug", "text");
upsert!(PUT_TEMPLATES, "templates", "template_id", "uuid");

/// Counts one use of a template.
const TEMPLATE_USED: Prepared = Prepared {
    name: "template_used",
    types: "uuid, uuid",
    sql: "UPDATE templates
          SET doc = jsonb_set(doc, '{usage_count}', to_jsonb((doc->>'usage_count')::numeric + 1))
          WHERE workspace_id = $1 AND template_id = $2
          RETURNING 1",
};

/// The first column of each row: a JSON document.
pub(crate) fn docs<T: DeserializeOwned>(rows: &[PgRow]) -> StoreResult<Vec<T>> {
    rows.iter()
        .map(|r| r.try_get::<Json<T>, _>(0).map(|Json(v)| v).map_err(backend))
        .collect()
}

impl PgStore {
    /// One document by key, or `None` (`NotFound` when the workspace is missing).
    pub(crate) async fn fetch_doc<T: DeserializeOwned>(
        &self,
        ws: WorkspaceId,
        statement: &Prepared,
        key: impl Param,
    ) -> StoreResult<Option<T>> {
        let rows = self
            .read_prepared(ws, statement, &[&ws.as_uuid(), &key])
            .await?;
        match docs(&rows)?.pop() {
            Some(v) => Ok(Some(v)),
            None => self.require_workspace(ws).await.map(|()| None),
        }
    }

    /// Every document a query returns (`NotFound` when the workspace is missing).
    pub(crate) async fn fetch_docs<T: DeserializeOwned>(
        &self,
        ws: WorkspaceId,
        sql: &'static str,
    ) -> StoreResult<Vec<T>> {
        let rows = self.read(ws, sql, &[&ws.as_uuid()]).await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        docs(&rows)
    }

    /// Inserts or replaces one document by key (`$1` workspace, `$2` key, `$3` doc).
    async fn put_doc<T: serde::Serialize + Sync>(
        &self,
        ws: WorkspaceId,
        statement: &Prepared,
        key: impl Param,
        doc: &T,
    ) -> StoreResult<()> {
        match self
            .write(ws, statement, &[&ws.as_uuid(), &key, &Json(doc)])
            .await
        {
            Ok(_) => Ok(()),
            Err(WriteError::Refused(e)) => Err(workspace_fk(e, ws)),
            Err(WriteError::Store(e)) => Err(e),
        }
    }

    /// Replaces an ordered list of documents (`sla_policies`, `rules`) in
    /// one transaction that also bumps the catalog version.
    async fn save_list<T: serde::Serialize + Sync>(
        &self,
        ws: WorkspaceId,
        table: &'static str,
        items: &[T],
    ) -> StoreResult<()> {
        let positions: Vec<i32> = (0..items.len())
            .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
            .collect();
        let docs: Vec<Json<&T>> = items.iter().map(Json).collect();
        let mut tx = self.begin(ws).await?;
        self.bump_catalog(&mut tx, ws).await?;
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE workspace_id = $1"
        )))
        .bind(ws.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (workspace_id, position, doc)
             SELECT $1, u.position, u.doc FROM unnest($2::int4[], $3::jsonb[]) AS u(position, doc)"
        )))
        .bind(ws.as_uuid())
        .bind(&positions)
        .bind(&docs)
        .execute(&mut *tx)
        .await
        .map_err(|e| workspace_fk(e, ws))?;
        self.commit_catalog(tx, ws).await
    }

    /// Locks the workspace's counter row, serializing with every ticket
    /// write of the workspace, and bumps its catalog version (the cached
    /// catalogs of every process become stale). `NotFound` when the
    /// workspace is missing.
    pub(crate) async fn bump_catalog(
        &self,
        tx: &mut sqlx::Transaction<'static, Postgres>,
        ws: WorkspaceId,
    ) -> StoreResult<()> {
        let found: Option<i32> = sqlx::query_scalar(
            "UPDATE workspace_counters SET catalog_version = catalog_version + 1
             WHERE workspace_id = $1 RETURNING 1",
        )
        .bind(ws.as_uuid())
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
        self.inner.catalogs.forget(ws);
        found.map(|_| ()).ok_or_else(|| missing_workspace(ws))
    }

    /// Commits a catalog change, then drops the process's cached catalog
    /// (again: a write may have cached the old one meanwhile).
    async fn commit_catalog(
        &self,
        tx: sqlx::Transaction<'static, Postgres>,
        ws: WorkspaceId,
    ) -> StoreResult<()> {
        let r = commit(tx).await;
        self.inner.catalogs.forget(ws);
        r
    }
}

#[async_trait]
impl WorkspaceStore for PgStore {
    async fn insert_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        let mut tx = self.begin(ws.id).await?;
        let r = sqlx::query(
            "WITH w AS (
                INSERT INTO workspaces (workspace_id, slug, created_at, doc)
                VALUES ($1, $2, $3, $4)
                RETURNING workspace_id
            )
            INSERT INTO workspace_counters (workspace_id) SELECT workspace_id FROM w",
        )
        .bind(ws.id.as_uuid())
        .bind(&ws.slug)
        .bind(ws.created_at)
        .bind(Json(ws))
        .execute(&mut *tx)
        .await;
        match r {
            Ok(_) => commit(tx).await,
            Err(e) if is_unique_violation(&e, None) => Err(StoreError::AlreadyExists {
                entity: "workspace",
                key: ws.slug.clone(),
            }),
            Err(e) => Err(backend(e)),
        }
    }

    async fn update_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        let mut tx = self.begin(ws.id).await?;
        self.bump_catalog(&mut tx, ws.id).await?;
        let done = sqlx::query(
            "UPDATE workspaces
             SET doc = doc || jsonb_build_object('name', $2::text, 'settings', $3::jsonb)
             WHERE workspace_id = $1",
        )
        .bind(ws.id.as_uuid())
        .bind(&ws.name)
        .bind(Json(&ws.settings))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(missing_workspace(ws.id));
        }
        self.commit_catalog(tx, ws.id).await
    }

    async fn get_workspace(&self, id: WorkspaceId) -> StoreResult<Option<Workspace>> {
        let rows = self
            .read(
                id,
                "SELECT doc FROM workspaces WHERE workspace_id = $1",
                &[&id.as_uuid()],
            )
            .await?;
        Ok(docs(&rows)?.pop())
    }

    async fn get_workspace_by_slug(&self, slug: &str) -> StoreResult<Option<Workspace>> {
        let Some(mut tx) = self.begin_slug(slug).await? else {
            return Ok(None);
        };
        let doc: Option<Json<Workspace>> =
            sqlx::query_scalar("SELECT doc FROM workspaces WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
        Ok(doc.map(|Json(w)| w))
    }

    async fn catalog(&self, id: WorkspaceId) -> StoreResult<Option<Arc<WorkspaceCatalog>>> {
        self.cached_catalog(id).await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::raw_sql(AssertSqlSafe("SELECT 1"))
            .execute(&self.inner.pool)
            .await
            .map(drop)
            .map_err(backend)
    }
}

#[async_trait]
impl DirectoryStore for PgStore {
    async fn put_agent(&self, ws: WorkspaceId, agent: &Agent) -> StoreResult<()> {
        self.put_doc(ws, &PUT_AGENTS, agent.id.as_str().to_owned(), agent)
            .await
    }

    async fn get_agent(&self, ws: WorkspaceId, id: &AgentId) -> StoreResult<Option<Agent>> {
        self.fetch_doc(ws, &GET_AGENT, id.as_str().to_owned()).await
    }

    async fn list_agents(&self, ws: WorkspaceId) -> StoreResult<Vec<Agent>> {
        let mut v: Vec<Agent> = self
            .fetch_docs(ws, "SELECT doc FROM agents WHERE workspace_id = $1")
            .await?;
        v.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(v)
    }

    async fn put_customer(&self, ws: WorkspaceId, customer: &Customer) -> StoreResult<()> {
        let search = ticketry_core::search::tsvector(&customer.search_terms());
        let params: [&dyn Param; 4] = [
            &ws.as_uuid(),
            &customer.id.as_str(),
            &Json(customer),
            &search,
        ];
        match self.write(ws, &PUT_CUSTOMERS, &params).await {
            Ok(_) => Ok(()),
            Err(WriteError::Refused(e)) => Err(workspace_fk(e, ws)),
            Err(WriteError::Store(e)) => Err(e),
        }
    }

    async fn get_customer(
        &self,
        ws: WorkspaceId,
        id: &CustomerId,
    ) -> StoreResult<Option<Customer>> {
        self.fetch_doc(ws, &GET_CUSTOMER, id.as_str().to_owned())
            .await
    }

    async fn list_customers(&self, ws: WorkspaceId) -> StoreResult<Vec<Customer>> {
        let mut v: Vec<Customer> = self
            .fetch_docs(ws, "SELECT doc FROM customers WHERE workspace_id = $1")
            .await?;
        v.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(v)
    }

    async fn put_team(&self, ws: WorkspaceId, team: &Team) -> StoreResult<()> {
        self.put_doc(ws, &PUT_TEAMS, team.id.as_uuid(), team).await
    }

    async fn get_team(&self, ws: WorkspaceId, id: TeamId) -> StoreResult<Option<Team>> {
        self.fetch_doc(ws, &GET_TEAM, id.as_uuid()).await
    }

    async fn list_teams(&self, ws: WorkspaceId) -> StoreResult<Vec<Team>> {
        let mut v: Vec<Team> = self
            .fetch_docs(ws, "SELECT doc FROM teams WHERE workspace_id = $1")
            .await?;
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(v)
    }
}

#[async_trait]
impl CatalogStore for PgStore {
    async fn save_priorities(&self, ws: WorkspaceId, priorities: &[Priority]) -> StoreResult<()> {
        let mut sorted = priorities.to_vec();
        sorted.sort_by_key(|p| p.rank); // stable, like the reference backend
        let codes: Vec<&str> = sorted.iter().map(|p| p.code.as_str()).collect();
        let ranks: Vec<i32> = sorted.iter().map(|p| p.rank).collect();
        let positions: Vec<i32> = (0..sorted.len())
            .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
            .collect();
        let docs: Vec<Json<&Priority>> = sorted.iter().map(Json).collect();
        let mut tx = self.begin(ws).await?;
        // Ticket writes take this lock too, so no ticket is written with a
        // rank read before this change commits.
        self.bump_catalog(&mut tx, ws).await?;
        sqlx::query("DELETE FROM priorities WHERE workspace_id = $1")
            .bind(ws.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO priorities (workspace_id, code, rank, position, doc)
             SELECT $1, u.code, u.rank, u.position, u.doc
             FROM unnest($2::text[], $3::int4[], $4::int4[], $5::jsonb[]) AS u(code, rank, position, doc)",
        )
        .bind(ws.as_uuid())
        .bind(&codes)
        .bind(&ranks)
        .bind(&positions)
        .bind(&docs)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        // The queue order of existing tickets follows the new ranks.
        sqlx::query(
            "UPDATE tickets t SET rank_key = r.rank_key
             FROM (
                 SELECT t2.ticket_id, -COALESCE(p.rank, 0) AS rank_key
                 FROM tickets t2
                 LEFT JOIN priorities p ON p.workspace_id = t2.workspace_id AND p.code = t2.priority
                 WHERE t2.workspace_id = $1
             ) r
             WHERE t.workspace_id = $1 AND t.ticket_id = r.ticket_id AND t.rank_key <> r.rank_key",
        )
        .bind(ws.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        self.commit_catalog(tx, ws).await
    }

    async fn list_priorities(&self, ws: WorkspaceId) -> StoreResult<Arc<[Priority]>> {
        let v: Vec<Priority> = self
            .fetch_docs(
                ws,
                "SELECT doc FROM priorities WHERE workspace_id = $1 ORDER BY position",
            )
            .await?;
        Ok(v.into())
    }

    async fn put_category(&self, ws: WorkspaceId, category: &Category) -> StoreResult<()> {
        let written = self
            .write(
                ws,
                &PUT_CATEGORIES,
                &[&ws.as_uuid(), &category.id.as_uuid(), &Json(category)],
            )
            .await;
        match written {
            Ok(_) => Ok(()),
            // Two writers gave one code to two categories at once.
            Err(WriteError::Refused(e)) if is_unique_violation(&e, Some("categories_code")) => {
                Err(StoreError::AlreadyExists {
                    entity: "category",
                    key: category.code.clone().unwrap_or_default(),
                })
            }
            Err(WriteError::Refused(e)) => Err(workspace_fk(e, ws)),
            Err(WriteError::Store(e)) => Err(e),
        }
    }

    async fn get_category(&self, ws: WorkspaceId, id: CategoryId) -> StoreResult<Option<Category>> {
        self.fetch_doc(ws, &GET_CATEGORY, id.as_uuid()).await
    }

    async fn list_categories(&self, ws: WorkspaceId) -> StoreResult<Vec<Category>> {
        let mut v: Vec<Category> = self
            .fetch_docs(ws, "SELECT doc FROM categories WHERE workspace_id = $1")
            .await?;
        v.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
        Ok(v)
    }

    async fn put_tag(&self, ws: WorkspaceId, tag: &Tag) -> StoreResult<()> {
        self.put_doc(ws, &PUT_TAGS, tag.slug.clone(), tag).await
    }

    async fn list_tags(&self, ws: WorkspaceId) -> StoreResult<Vec<Tag>> {
        let mut v: Vec<Tag> = self
            .fetch_docs(ws, "SELECT doc FROM tags WHERE workspace_id = $1")
            .await?;
        v.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(v)
    }

    async fn put_template(&self, ws: WorkspaceId, template: &Template) -> StoreResult<()> {
        self.put_doc(ws, &PUT_TEMPLATES, template.id.as_uuid(), template)
            .await
    }

    async fn get_template(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<Option<Template>> {
        self.fetch_doc(ws, &GET_TEMPLATE, id.as_uuid()).await
    }

    async fn list_templates(&self, ws: WorkspaceId) -> StoreResult<Vec<Template>> {
        let mut v: Vec<Template> = self
            .fetch_docs(ws, "SELECT doc FROM templates WHERE workspace_id = $1")
            .await?;
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    async fn increment_template_usage(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<()> {
        let rows = self
            .write(ws, &TEMPLATE_USED, &[&ws.as_uuid(), &id.as_uuid()])
            .await
            .map_err(WriteError::into_store)?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
            return Err(StoreError::NotFound {
                entity: "template",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    async fn save_sla_policies(&self, ws: WorkspaceId, policies: &[SlaPolicy]) -> StoreResult<()> {
        self.save_list(ws, "sla_policies", policies).await
    }

    async fn list_sla_policies(&self, ws: WorkspaceId) -> StoreResult<Arc<[SlaPolicy]>> {
        let v: Vec<SlaPolicy> = self
            .fetch_docs(
                ws,
                "SELECT doc FROM sla_policies WHERE workspace_id = $1 ORDER BY position",
            )
            .await?;
        Ok(v.into())
    }

    async fn save_rules(
        &self,
        ws: WorkspaceId,
        rules: &[ticketry_core::automation::Rule],
    ) -> StoreResult<()> {
        self.save_list(ws, "rules", rules).await
    }
}
