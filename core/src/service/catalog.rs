//! Priorities, categories, tags and templates.

use super::Helpdesk;
use crate::category::{Category, CategoryInput};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CategoryId, TemplateId, TicketId, WorkspaceId};
use crate::priority::{Priority, PriorityPreset};
use crate::tag::Tag;
use crate::template::{self, Template, TemplateInput};
use crate::validate;
use serde_json::json;

impl Helpdesk {
    /// Replaces the workspace's priorities (codes unique, at most one default).
    pub async fn set_priorities(
        &self,
        ws: WorkspaceId,
        priorities: Vec<Priority>,
    ) -> Result<Vec<Priority>> {
        self.catalog(ws).await?;
        let mut out = Vec::with_capacity(priorities.len());
        for p in priorities {
            let p = p.validated()?;
            if out.iter().any(|o: &Priority| o.code == p.code) {
                return Err(Error::invalid_input(
                    "code",
                    format!("priority {:?} is listed twice", p.code),
                ));
            }
            out.push(p);
        }
        if out.iter().filter(|p| p.is_default).count() > 1 {
            return Err(Error::invalid_input(
                "is_default",
                "at most one priority can be the default",
            ));
        }
        out.sort_by_key(|p| p.rank);
        self.store.save_priorities(ws, &out).await?;
        Ok(out)
    }

    /// Creates or updates one priority by code. Marking it default unmarks the others.
    pub async fn put_priority(&self, ws: WorkspaceId, priority: Priority) -> Result<Vec<Priority>> {
        let mut all = self.list_priorities(ws).await?;
        if priority.is_default {
            all.iter_mut().for_each(|p| p.is_default = false);
        }
        match all.iter_mut().find(|p| p.code == priority.code) {
            Some(p) => *p = priority,
            None => all.push(priority),
        }
        self.set_priorities(ws, all).await
    }

    /// Replaces the priorities with a preset.
    pub async fn install_priority_preset(
        &self,
        ws: WorkspaceId,
        preset: PriorityPreset,
    ) -> Result<Vec<Priority>> {
        self.set_priorities(ws, preset.priorities()).await
    }

    /// The workspace's priorities, least urgent first.
    pub async fn list_priorities(&self, ws: WorkspaceId) -> Result<Vec<Priority>> {
        self.catalog(ws).await?;
        Ok(self.store.list_priorities(ws).await?.to_vec())
    }

    async fn category_from_input(
        &self,
        ws: WorkspaceId,
        id: CategoryId,
        input: CategoryInput,
    ) -> Result<Category> {
        if let Some(parent) = input.parent {
            // Walk up from the parent: reaching `id` would close a cycle.
            let mut cur = Some(parent);
            let mut depth = 0;
            while let Some(c) = cur {
                if c == id || depth > 32 {
                    return Err(Error::invalid_input(
                        "parent",
                        "categories cannot nest in a cycle or deeper than 32",
                    ));
                }
                cur = self
                    .store
                    .get_category(ws, c)
                    .await?
                    .ok_or_else(|| Error::not_found("category", c))?
                    .parent;
                depth += 1;
            }
        }
        if let Some(code) = &input.default_priority
            && !self
                .store
                .list_priorities(ws)
                .await?
                .iter()
                .any(|p| &p.code == code)
        {
            return Err(Error::invalid_input(
                "default_priority",
                format!("no priority {code:?}"),
            ));
        }
        if let Some(team) = input.default_team {
            self.active_team(ws, team, "default_team").await?;
        }
        if let Some(agent) = &input.default_assignee {
            self.active_agent(ws, agent, "default_assignee").await?;
        }
        let code = input
            .code
            .as_deref()
            .map(|c| validate::key("code", c))
            .transpose()?;
        if let Some(code) = &code
            && let Some(other) = self.category_by_code(ws, code).await?
            && other.id != id
        {
            return Err(Error::AlreadyExists {
                entity: "category",
                key: code.clone(),
            });
        }
        Ok(Category {
            id,
            name: validate::text("name", &input.name, 200)?,
            code,
            description: validate::optional_paragraph(
                "description",
                input.description.as_deref(),
                2000,
            )?,
            icon: validate::optional_text("icon", input.icon.as_deref(), 200)?,
            parent: input.parent,
            default_priority: input.default_priority,
            default_team: input.default_team,
            default_assignee: input.default_assignee,
            position: input.position,
            active: input.active.unwrap_or(true),
            created_at: self.now()?,
        })
    }

    /// Creates a category.
    pub async fn create_category(&self, ws: WorkspaceId, input: CategoryInput) -> Result<Category> {
        self.catalog(ws).await?;
        let c = self
            .category_from_input(ws, CategoryId::generate(), input)
            .await?;
        self.store.put_category(ws, &c).await?;
        Ok(c)
    }

    /// Replaces a category's fields.
    pub async fn update_category(
        &self,
        ws: WorkspaceId,
        id: CategoryId,
        input: CategoryInput,
    ) -> Result<Category> {
        let old = self.get_category(ws, id).await?;
        let mut c = self.category_from_input(ws, id, input).await?;
        c.created_at = old.created_at;
        self.store.put_category(ws, &c).await?;
        Ok(c)
    }

    /// A category by id.
    pub async fn get_category(&self, ws: WorkspaceId, id: CategoryId) -> Result<Category> {
        self.store
            .get_category(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("category", id))
    }

    /// A category by its `code` (`payment`).
    pub async fn get_category_by_code(&self, ws: WorkspaceId, code: &str) -> Result<Category> {
        self.catalog(ws).await?;
        self.category_by_code(ws, code)
            .await?
            .ok_or_else(|| Error::not_found("category", code))
    }

    async fn category_by_code(&self, ws: WorkspaceId, code: &str) -> Result<Option<Category>> {
        Ok(self
            .store
            .list_categories(ws)
            .await?
            .into_iter()
            .find(|c| c.code.as_deref() == Some(code)))
    }

    /// The category's routing defaults (priority, team, assignee), each
    /// taken from the nearest category up its parent chain that sets it: a
    /// child without defaults of its own routes like its parent.
    pub(crate) async fn category_routing(
        &self,
        ws: WorkspaceId,
        category: &Category,
    ) -> Result<Category> {
        let mut routed = category.clone();
        let mut seen = vec![category.id];
        let mut parent = category.parent;
        while let Some(id) = parent.filter(|id| !seen.contains(id)) {
            if routed.default_priority.is_some()
                && routed.default_team.is_some()
                && routed.default_assignee.is_some()
            {
                break;
            }
            seen.push(id);
            let Some(p) = self.store.get_category(ws, id).await? else {
                break;
            };
            routed.default_priority = routed.default_priority.or(p.default_priority);
            routed.default_team = routed.default_team.or(p.default_team);
            routed.default_assignee = routed.default_assignee.or(p.default_assignee);
            parent = p.parent;
        }
        Ok(routed)
    }

    /// All categories, by position then name.
    pub async fn list_categories(&self, ws: WorkspaceId) -> Result<Vec<Category>> {
        Ok(self.store.list_categories(ws).await?)
    }

    /// `not_found` for the first of `ids` the workspace has no category of,
    /// from one read of the categories (a list of any length costs one).
    pub(crate) async fn check_categories(&self, ws: WorkspaceId, ids: &[CategoryId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let known: std::collections::HashSet<CategoryId> = self
            .store
            .list_categories(ws)
            .await?
            .iter()
            .map(|c| c.id)
            .collect();
        match ids.iter().find(|id| !known.contains(id)) {
            Some(id) => Err(Error::not_found("category", id)),
            None => Ok(()),
        }
    }

    /// Creates or updates a tag's display metadata.
    pub async fn put_tag(&self, ws: WorkspaceId, tag: Tag) -> Result<Tag> {
        self.catalog(ws).await?;
        let tag = Tag {
            slug: validate::key("slug", &tag.slug)?,
            name: validate::text("name", &tag.name, 100)?,
            color: validate::color("color", tag.color.as_deref())?,
        };
        self.store.put_tag(ws, &tag).await?;
        Ok(tag)
    }

    /// All registered tags.
    pub async fn list_tags(&self, ws: WorkspaceId) -> Result<Vec<Tag>> {
        Ok(self.store.list_tags(ws).await?)
    }

    async fn template_from_input(
        &self,
        ws: WorkspaceId,
        input: TemplateInput,
        old: Option<Template>,
    ) -> Result<Template> {
        template::check_syntax(&input.body)?;
        if input.categories.len() > crate::limits::TEMPLATE_CATEGORIES {
            return Err(Error::invalid_input(
                "categories",
                format!("at most {} categories", crate::limits::TEMPLATE_CATEGORIES),
            ));
        }
        for (i, &c) in input.categories.iter().enumerate() {
            if input.categories[..i].contains(&c) {
                return Err(Error::invalid_input(
                    "categories",
                    format!("{c} is listed twice"),
                ));
            }
            self.get_category(ws, c).await?;
        }
        let created_by = match (input.created_by, old.as_ref()) {
            (Some(agent), _) => Some(self.get_agent(ws, &agent).await?.id),
            (None, Some(old)) => old.created_by.clone(),
            (None, None) => None,
        };
        Ok(Template {
            id: old.as_ref().map_or_else(TemplateId::generate, |t| t.id),
            name: validate::text("name", &input.name, 200)?,
            body: validate::paragraph("body", &input.body, crate::limits::TEMPLATE_BODY)?,
            subject: validate::optional_text("subject", input.subject.as_deref(), 255)?,
            language: validate::optional_text("language", input.language.as_deref(), 35)?,
            categories: input.categories,
            created_by,
            usage_count: old.as_ref().map_or(0, |t| t.usage_count),
            active: input.active.unwrap_or(true),
            updated_at: old.is_some().then(|| self.now()).transpose()?,
            created_at: match old {
                Some(t) => t.created_at,
                None => self.now()?,
            },
        })
    }

    /// Creates a response template; a body that does not parse is `invalid_input`.
    pub async fn create_template(&self, ws: WorkspaceId, input: TemplateInput) -> Result<Template> {
        self.catalog(ws).await?;
        let t = self.template_from_input(ws, input, None).await?;
        self.store.put_template(ws, &t).await?;
        Ok(t)
    }

    /// Replaces a template's fields (keeps its usage count).
    pub async fn update_template(
        &self,
        ws: WorkspaceId,
        id: TemplateId,
        input: TemplateInput,
    ) -> Result<Template> {
        let old = self.get_template(ws, id).await?;
        let t = self.template_from_input(ws, input, Some(old)).await?;
        self.store.put_template(ws, &t).await?;
        Ok(t)
    }

    /// A template by id.
    pub async fn get_template(&self, ws: WorkspaceId, id: TemplateId) -> Result<Template> {
        self.store
            .get_template(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("template", id))
    }

    /// Templates, by name; with `category`, only those offered for it
    /// (no category filter, or that category or one of its ancestors).
    pub async fn list_templates(
        &self,
        ws: WorkspaceId,
        category: Option<CategoryId>,
    ) -> Result<Vec<Template>> {
        let all = self.store.list_templates(ws).await?;
        let Some(category) = category else {
            return Ok(all);
        };
        let lineage = self.lineage(ws, Some(category)).await?;
        Ok(all
            .into_iter()
            .filter(|t| t.categories.is_empty() || t.categories.iter().any(|c| lineage.contains(c)))
            .collect())
    }

    /// Renders a template for a ticket and counts the use. `agent` is who
    /// will send it (defaults to the assignee).
    pub async fn render_template(
        &self,
        ws: WorkspaceId,
        template: TemplateId,
        ticket: TicketId,
        agent: Option<&AgentId>,
    ) -> Result<String> {
        let workspace = self.get_workspace(ws).await?;
        let tpl = self.get_template(ws, template).await?;
        if !tpl.active {
            return Err(Error::invalid_input("template", "the template is inactive"));
        }
        let t = self.get_ticket(ws, ticket).await?;
        let customer = self.store.get_customer(ws, &t.customer).await?;
        // An agent named by the caller must exist; the assignee may be gone.
        let agent = match (agent, &t.assignee) {
            (Some(a), _) => Some(self.get_agent(ws, a).await?),
            (None, Some(a)) => self.store.get_agent(ws, a).await?,
            (None, None) => None,
        };
        let text = template::render(
            &tpl.body,
            json!({
                "ticket": t,
                "customer": customer,
                "agent": agent,
                "workspace": {
                "name": workspace.name,
                "slug": workspace.slug,
                "timezone": workspace.settings.timezone,
            },
            }),
        )
        .await?;
        self.store.increment_template_usage(ws, template).await?;
        Ok(text)
    }

    /// The agent, if it exists and is active; `invalid_input` on `field` otherwise.
    pub(crate) async fn active_agent(
        &self,
        ws: WorkspaceId,
        id: &AgentId,
        field: &str,
    ) -> Result<crate::people::Agent> {
        match self.store.get_agent(ws, id).await? {
            Some(a) if a.active => Ok(a),
            Some(_) => Err(Error::invalid_input(
                field,
                format!("agent {id} is inactive"),
            )),
            None => Err(Error::not_found("agent", id)),
        }
    }

    /// The team `id` if it exists (`not_found`) and is active (`invalid_input`
    /// naming `field`): only active teams are given tickets.
    pub(crate) async fn active_team(
        &self,
        ws: WorkspaceId,
        id: crate::ids::TeamId,
        field: &str,
    ) -> Result<crate::team::Team> {
        let team = self.get_team(ws, id).await?;
        if !team.active {
            return Err(Error::invalid_input(
                field,
                format!("team {id} is inactive"),
            ));
        }
        Ok(team)
    }
}
