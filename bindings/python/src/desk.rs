//! The native `Helpdesk` (a backend and a clock) and `Desk` (a workspace
//! handle). Every operation validates and converts its arguments with the
//! GIL held, then returns a [`Pending`] that the Python layer runs blocking
//! (`wait()`, GIL released) or as an awaitable (`future()`).

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use ticketry_core::sla::{PolicyConditions, PolicyTarget, WarningThreshold};
use ticketry_core::store::Store;
use ticketry_core::workspace::{NumberFormat, SettingsPatch};
use ticketry_core::{
    AgentId, AgentInput, Assign, CategoryId, CategoryInput, CustomerId, CustomerInput, Error,
    MessageInput, NewWorkspace, OpenTicket, PolicyId, Priority, SlaPolicy, Status, Tag, TeamId,
    TeamInput, TemplateId, TemplateInput, TicketId, TicketQuery, TicketUpdate, WorkspaceId,
    WorkspaceSettings,
};
use ticketry_memory::MemoryStore;
use ticketry_postgres::{PgOptions, PgStore};

use crate::calendar::ManualClock;
use crate::convert::{
    Fields, actor, attachments, calendar_config, delta, delta_opt, id, id_opt, ids, int, int_opt,
    json_object, link, links, order, parse, preset, py_dt, seq, strings, text, utc_opt,
};
use crate::errors::core_err;
use crate::pending::{Convert, Failure, Pending, convert};

type Core = ticketry_core::Helpdesk;

/// The warning a connection without row-level security raises.
const RLS_OFF: &std::ffi::CStr = c"ticketry: row-level security is off for this PostgreSQL role \
(a superuser or BYPASSRLS role): tenant isolation rests on the queries alone; \
connect with role=<a role without those attributes>";

/// The help desk: a backend and a clock.
#[pyclass(module = "ticketry._native", name = "Helpdesk", frozen)]
#[derive(Debug, Clone)]
pub struct Helpdesk {
    core: Core,
    pg: Option<PgStore>,
}

impl Helpdesk {
    fn build(
        store: Arc<dyn Store>,
        clock: Option<&Bound<'_, ManualClock>>,
        pg: Option<PgStore>,
    ) -> Self {
        let core = match clock {
            Some(c) => Core::with_clock(store, c.get().inner.clone()),
            None => Core::new(store),
        };
        Self { core, pg }
    }
}

/// The settings keys a caller gave, as a patch (omitted keys keep their value).
fn settings(ob: Option<&Bound<'_, PyAny>>) -> PyResult<Option<SettingsPatch>> {
    let Some(ob) = ob.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let f = Fields(ob);
    let mut p = SettingsPatch::default();
    if let Some(v) = f.get("number_format")? {
        p.number_format = Some(NumberFormat(text(&v, "settings.number_format")?));
    }
    if let Some(v) = f.get("timezone")? {
        p.timezone = Some(text(&v, "settings.timezone")?);
    }
    if let Some(v) = f.get("locale")? {
        p.locale = Some(text(&v, "settings.locale")?);
    }
    if f.has("reopen_window")? {
        p.reopen_window = Some(delta_opt(
            f.get("reopen_window")?.as_ref(),
            "settings.reopen_window",
        )?);
    }
    Ok(Some(p))
}

fn desk_value(h: &Helpdesk, ws: WorkspaceId) -> Convert {
    let desk = Desk {
        core: h.core.clone(),
        ws,
    };
    convert(move |py| Ok(Bound::new(py, desk)?.into_any()))
}

#[pymethods]
impl Helpdesk {
    /// A help desk on the in-memory backend.
    #[staticmethod]
    #[pyo3(signature = (*, clock=None))]
    fn in_memory(clock: Option<&Bound<'_, ManualClock>>) -> Self {
        Self::build(Arc::new(MemoryStore::new()), clock, None)
    }

    /// Connects a PostgreSQL pool (does not migrate: call `migrate()`).
    /// `temporary=True` (tests) migrates a fresh schema `<schema>_<random>`
    /// and drops it when the last handle of this help desk is gone.
    #[staticmethod]
    #[pyo3(signature = (url, *, schema="ticketry".to_owned(), role=None, max_connections=None, acquire_timeout=None, statement_timeout=None, clock=None, temporary=false))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        url: String,
        schema: String,
        role: Option<String>,
        max_connections: Option<&Bound<'_, PyAny>>,
        acquire_timeout: Option<&Bound<'_, PyAny>>,
        statement_timeout: Option<&Bound<'_, PyAny>>,
        clock: Option<Bound<'_, ManualClock>>,
        temporary: bool,
    ) -> PyResult<Pending> {
        let defaults = PgOptions::default();
        let to_std = |d: chrono::TimeDelta| d.to_std().unwrap_or(Duration::ZERO);
        let options = PgOptions {
            schema,
            role,
            max_connections: int_opt(max_connections, "max_connections")?
                .unwrap_or(defaults.max_connections),
            acquire_timeout: delta_opt(acquire_timeout, "acquire_timeout")?
                .map_or(defaults.acquire_timeout, to_std),
            statement_timeout: match statement_timeout {
                Some(d) if !d.is_none() => Some(to_std(delta(d, "statement_timeout")?)),
                _ => defaults.statement_timeout,
            },
        };
        let clock = clock.map(|c| c.get().inner.clone());
        Ok(Pending::raw(async move {
            let store = if temporary {
                // Connects, migrates `<schema>_<random>` and drops it with the
                // last handle.
                PgStore::temporary(&url, options).await
            } else {
                PgStore::connect(&url, options).await
            }
            .map_err(|e| Failure::Core(e.into()))?;
            let rls = store.rls_enforced().await.ok();
            let store_dyn: Arc<dyn Store> = Arc::new(store.clone());
            let core = match clock {
                Some(c) => Core::with_clock(store_dyn, c),
                None => Core::new(store_dyn),
            };
            let h = Helpdesk {
                core,
                pg: Some(store),
            };
            Ok(convert(move |py| {
                if rls == Some(false) {
                    PyErr::warn(
                        py,
                        &py.get_type::<pyo3::exceptions::PyRuntimeWarning>(),
                        RLS_OFF,
                        1,
                    )?;
                }
                Ok(Bound::new(py, h)?.into_any())
            }))
        }))
    }

    /// Whether PostgreSQL's row-level security applies to the role the
    /// store runs as (`False` for a superuser or `BYPASSRLS` role: tenant
    /// isolation then rests on the queries alone); `None` in memory.
    fn rls_enforced(&self) -> Pending {
        let pg = self.pg.clone();
        Pending::raw(async move {
            let rls = match pg {
                Some(pg) => Some(
                    pg.rls_enforced()
                        .await
                        .map_err(|e| Failure::Core(e.into()))?,
                ),
                None => None,
            };
            Ok(convert(move |py| {
                Ok(rls.into_pyobject(py)?.to_owned().into_any())
            }))
        })
    }

    /// `"memory"` or `"postgres"`.
    #[getter]
    fn backend(&self) -> &'static str {
        if self.pg.is_some() {
            "postgres"
        } else {
            "memory"
        }
    }

    /// The schema holding Ticketry's tables (Postgres), else `None`.
    #[getter]
    fn schema(&self) -> Option<String> {
        self.pg.as_ref().map(|p| p.schema().to_owned())
    }

    /// Creates or upgrades Ticketry's tables (Postgres; a no-op in memory).
    fn migrate(&self) -> Pending {
        let pg = self.pg.clone();
        Pending::new(async move {
            let Some(pg) = pg else { return Ok(()) };
            pg.migrate().await.map_err(Error::from)
        })
    }

    /// Closes the connection pool (Postgres; a no-op in memory).
    fn close(&self) -> Pending {
        let pg = self.pg.clone();
        Pending::new(async move {
            if let Some(pg) = pg {
                pg.pool().close().await;
            }
            Ok(())
        })
    }

    /// The desk's clock (UTC).
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_dt(py, self.core.clock().now())
    }

    /// Creates a workspace; `AlreadyExistsError` if the slug is taken.
    #[pyo3(signature = (name, slug, *, settings=None, priority_preset=Some("low_to_urgent".to_owned())))]
    fn create_workspace(
        &self,
        py: Python<'_>,
        name: String,
        slug: String,
        settings: Option<&Bound<'_, PyAny>>,
        priority_preset: Option<String>,
    ) -> PyResult<Pending> {
        let priority_preset = match priority_preset {
            Some(p) => Some(preset(&pyo3::types::PyString::new(py, &p).into_any())?),
            None => None,
        };
        let input = NewWorkspace {
            name,
            slug,
            settings: self::settings(settings)?
                .unwrap_or_default()
                .apply(WorkspaceSettings::default()),
            priority_preset,
        };
        let core = self.core.clone();
        Ok(Pending::new(
            async move { core.create_workspace(input).await },
        ))
    }

    /// A workspace by id (`NotFoundError` if none).
    fn get_workspace(&self, workspace: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let ws: WorkspaceId = id(workspace, "workspace_id")?;
        let core = self.core.clone();
        Ok(Pending::new(async move { core.get_workspace(ws).await }))
    }

    /// A workspace by slug (`NotFoundError` if none).
    fn get_workspace_by_slug(&self, slug: String) -> Pending {
        let core = self.core.clone();
        Pending::new(async move { core.get_workspace_by_slug(&slug).await })
    }

    /// Renames a workspace and/or replaces its settings.
    #[pyo3(signature = (workspace, *, name=None, settings=None))]
    fn update_workspace(
        &self,
        workspace: &Bound<'_, PyAny>,
        name: Option<String>,
        settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let ws: WorkspaceId = id(workspace, "workspace_id")?;
        let settings = self::settings(settings)?;
        let core = self.core.clone();
        Ok(Pending::new(async move {
            core.update_workspace(ws, name, settings).await
        }))
    }

    /// The handle of a workspace (a `Workspace`, or its id); no I/O.
    fn workspace(&self, workspace: &Bound<'_, PyAny>) -> PyResult<Desk> {
        Ok(Desk {
            core: self.core.clone(),
            ws: id(workspace, "workspace_id")?,
        })
    }

    /// The handle of the workspace with this slug (`NotFoundError` if none).
    fn workspace_by_slug(&self, slug: String) -> Pending {
        let h = self.clone();
        Pending::raw(async move {
            let ws = h
                .core
                .get_workspace_by_slug(&slug)
                .await
                .map_err(Failure::Core)?;
            Ok(desk_value(&h, ws.id))
        })
    }

    fn __repr__(&self) -> String {
        match &self.pg {
            Some(pg) => format!(
                "Helpdesk(backend='postgres', schema={})",
                crate::convert::quoted(pg.schema())
            ),
            None => "Helpdesk(backend='memory')".to_owned(),
        }
    }
}

/// A workspace handle: every per-workspace operation.
#[pyclass(module = "ticketry._native", name = "Desk", frozen)]
#[derive(Debug, Clone)]
pub struct Desk {
    core: Core,
    ws: WorkspaceId,
}

fn message(
    body: String,
    html: Option<String>,
    attachments_: Option<&Bound<'_, PyAny>>,
    email_message_id: Option<String>,
    idempotency_key: Option<String>,
) -> PyResult<MessageInput> {
    Ok(MessageInput {
        body,
        html,
        attachments: attachments(attachments_)?,
        email_message_id,
        idempotency_key,
        status: None,
    })
}

fn priority(ob: &Bound<'_, PyAny>) -> PyResult<Priority> {
    let f = Fields(ob);
    Ok(Priority {
        code: text(&f.req("code")?, "code")?,
        name: text(&f.req("name")?, "name")?,
        rank: f.req("rank")?.extract()?,
        color: f.get("color")?.map(|c| text(&c, "color")).transpose()?,
        first_response: delta_opt(f.get("first_response")?.as_ref(), "first_response")?,
        resolution: delta_opt(f.get("resolution")?.as_ref(), "resolution")?,
        is_default: f
            .get("is_default")?
            .map(|b| b.extract())
            .transpose()?
            .unwrap_or(false),
    })
}

fn policy(ob: &Bound<'_, PyAny>, i: usize) -> PyResult<SlaPolicy> {
    let py = ob.py();
    let at = |f: &str| format!("policies[{i}].{f}");
    let f = Fields(ob);
    let conditions = match f.get("conditions")? {
        Some(c) => {
            let c = Fields(&c);
            let list = |name: &str| strings(c.get(name).ok().flatten().as_ref(), &at(name));
            PolicyConditions {
                priorities: list("priorities")?,
                categories: match c.get("categories")? {
                    Some(v) => ids(&v, &at("conditions.categories"))?,
                    None => Vec::new(),
                },
                channels: match c.get("channels")? {
                    Some(v) => seq(&v, &at("conditions.channels"))?
                        .iter()
                        .map(|ch| parse(ch, &at("conditions.channels")))
                        .collect::<PyResult<_>>()?,
                    None => Vec::new(),
                },
                tags: list("tags")?,
                customer_tiers: list("customer_tiers")?,
            }
        }
        None => PolicyConditions::default(),
    };
    let targets = seq(&f.req("targets")?, &at("targets"))?
        .iter()
        .enumerate()
        .map(|(j, t)| {
            let t = Fields(t);
            let name = |n: &str| at(&format!("targets[{j}].{n}"));
            Ok(PolicyTarget {
                priority: text(&t.req("priority")?, &name("priority"))?,
                first_response: delta_opt(
                    t.get("first_response")?.as_ref(),
                    &name("first_response"),
                )?,
                next_response: delta_opt(t.get("next_response")?.as_ref(), &name("next_response"))?,
                resolution: delta_opt(t.get("resolution")?.as_ref(), &name("resolution"))?,
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let warning = match f.get("warning")? {
        None => WarningThreshold::default(),
        Some(w) if w.is_instance_of::<pyo3::types::PyDelta>() => {
            WarningThreshold::Before(delta(&w, &at("warning"))?)
        }
        Some(w) => match w.extract::<u8>() {
            Ok(p) => WarningThreshold::Percent(p),
            Err(_) => {
                return Err(core_err(
                    py,
                    &Error::invalid_input(
                        at("warning"),
                        "must be a percentage (1-99) or a timedelta",
                    ),
                ));
            }
        },
    };
    let pause_on = match f.get("pause_on")? {
        Some(v) if f.has("pause_on")? => seq(&v, &at("pause_on"))?
            .iter()
            .map(|s| parse::<Status>(s, &at("pause_on")))
            .collect::<PyResult<_>>()?,
        _ if f.has("pause_on")? => Vec::new(),
        _ => vec![Status::Pending, Status::OnHold],
    };
    Ok(SlaPolicy {
        id: match f.get("id")? {
            Some(v) => id::<PolicyId>(&v, &at("id"))?,
            None => PolicyId::generate(),
        },
        name: text(&f.req("name")?, &at("name"))?,
        conditions,
        calendar: f
            .get("calendar")?
            .map(|c| calendar_config(&c, &at("calendar")))
            .transpose()?,
        targets,
        warning,
        pause_on,
        active: f
            .get("active")?
            .map(|b| b.extract())
            .transpose()?
            .unwrap_or(true),
    })
}

impl Desk {
    fn parts(&self) -> (Core, WorkspaceId) {
        (self.core.clone(), self.ws)
    }
}

fn ticket(ob: &Bound<'_, PyAny>) -> PyResult<TicketId> {
    id(ob, "ticket_id")
}

#[pymethods]
impl Desk {
    /// The workspace id.
    #[getter]
    fn id(&self) -> String {
        self.ws.to_string()
    }

    // ----- workspace and events ------------------------------------------------------

    /// This workspace (`Workspace`).
    fn info(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.get_workspace(ws).await })
    }

    /// Renames this workspace and/or changes the settings given (others keep their value).
    #[pyo3(signature = (*, name=None, settings=None))]
    fn update(
        &self,
        name: Option<String>,
        settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let settings = self::settings(settings)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.update_workspace(ws, name, settings).await
        }))
    }

    /// Events with `seq > after`, oldest first, at most `limit` (1..=1000).
    #[pyo3(signature = (after=None, limit=None))]
    fn events(
        &self,
        after: Option<&Bound<'_, PyAny>>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let after = int_opt(after, "after")?.unwrap_or(0);
        let limit = int_opt(limit, "limit")?.unwrap_or(100);
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.events(ws, after, limit).await },
        ))
    }

    /// Records that `consumer` handled every event up to `seq`.
    fn ack_events(&self, consumer: String, seq: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let seq = int(seq, "seq")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.ack_events(ws, &consumer, seq).await
        }))
    }

    /// The last `seq` `consumer` acknowledged (0 if none).
    fn consumer_position(&self, consumer: String) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.consumer_position(ws, &consumer).await })
    }

    // ----- priorities, categories, tags, templates -----------------------------------

    /// Replaces the priorities (codes unique, at most one default).
    fn set_priorities(&self, priorities: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let list = seq(priorities, "priorities")?
            .iter()
            .map(priority)
            .collect::<PyResult<Vec<_>>>()?;
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.set_priorities(ws, list).await },
        ))
    }

    /// Creates or updates one priority by code.
    fn put_priority(&self, priority: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let p = self::priority(priority)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.put_priority(ws, p).await }))
    }

    /// Replaces the priorities with a preset (`PriorityPreset`).
    fn install_priority_preset(&self, preset: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let p = self::preset(preset)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.install_priority_preset(ws, p).await
        }))
    }

    /// The priorities, least urgent first.
    fn list_priorities(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.list_priorities(ws).await })
    }

    /// Creates a category.
    #[pyo3(signature = (name, *, description=None, icon=None, parent=None, default_priority=None, default_team=None, default_assignee=None, position=None, active=true))]
    #[allow(clippy::too_many_arguments)]
    fn create_category(
        &self,
        name: String,
        description: Option<String>,
        icon: Option<String>,
        parent: Option<&Bound<'_, PyAny>>,
        default_priority: Option<String>,
        default_team: Option<&Bound<'_, PyAny>>,
        default_assignee: Option<&Bound<'_, PyAny>>,
        position: Option<&Bound<'_, PyAny>>,
        active: bool,
    ) -> PyResult<Pending> {
        let input = CategoryInput {
            name,
            description,
            icon,
            parent: id_opt(parent, "parent")?,
            default_priority,
            default_team: id_opt(default_team, "default_team")?,
            default_assignee: id_opt(default_assignee, "default_assignee")?,
            position: int_opt(position, "position")?.unwrap_or(0),
            active: Some(active),
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.create_category(ws, input).await },
        ))
    }

    /// Replaces a category's fields.
    #[pyo3(signature = (category, name, *, description=None, icon=None, parent=None, default_priority=None, default_team=None, default_assignee=None, position=None, active=true))]
    #[allow(clippy::too_many_arguments)]
    fn update_category(
        &self,
        category: &Bound<'_, PyAny>,
        name: String,
        description: Option<String>,
        icon: Option<String>,
        parent: Option<&Bound<'_, PyAny>>,
        default_priority: Option<String>,
        default_team: Option<&Bound<'_, PyAny>>,
        default_assignee: Option<&Bound<'_, PyAny>>,
        position: Option<&Bound<'_, PyAny>>,
        active: bool,
    ) -> PyResult<Pending> {
        let cid: CategoryId = id(category, "category_id")?;
        let input = CategoryInput {
            name,
            description,
            icon,
            parent: id_opt(parent, "parent")?,
            default_priority,
            default_team: id_opt(default_team, "default_team")?,
            default_assignee: id_opt(default_assignee, "default_assignee")?,
            position: int_opt(position, "position")?.unwrap_or(0),
            active: Some(active),
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.update_category(ws, cid, input).await
        }))
    }

    /// A category by id.
    fn get_category(&self, category: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let cid: CategoryId = id(category, "category_id")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.get_category(ws, cid).await }))
    }

    /// All categories, by position then name.
    fn list_categories(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.list_categories(ws).await })
    }

    /// Creates or updates a tag's display metadata.
    #[pyo3(signature = (slug, name, *, color=None))]
    fn put_tag(&self, slug: String, name: String, color: Option<String>) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.put_tag(ws, Tag { slug, name, color }).await })
    }

    /// All registered tags.
    fn list_tags(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.list_tags(ws).await })
    }

    /// Creates a response template (Jinja2 body).
    #[pyo3(signature = (name, body, *, language=None, category=None, active=true))]
    fn create_template(
        &self,
        name: String,
        body: String,
        language: Option<String>,
        category: Option<&Bound<'_, PyAny>>,
        active: bool,
    ) -> PyResult<Pending> {
        let input = TemplateInput {
            name,
            body,
            language,
            category: id_opt(category, "category")?,
            active: Some(active),
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.create_template(ws, input).await },
        ))
    }

    /// Replaces a template's fields (keeps its usage count).
    #[pyo3(signature = (template, name, body, *, language=None, category=None, active=true))]
    fn update_template(
        &self,
        template: &Bound<'_, PyAny>,
        name: String,
        body: String,
        language: Option<String>,
        category: Option<&Bound<'_, PyAny>>,
        active: bool,
    ) -> PyResult<Pending> {
        let tid: TemplateId = id(template, "template_id")?;
        let input = TemplateInput {
            name,
            body,
            language,
            category: id_opt(category, "category")?,
            active: Some(active),
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.update_template(ws, tid, input).await
        }))
    }

    /// A template by id.
    fn get_template(&self, template: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let tid: TemplateId = id(template, "template_id")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.get_template(ws, tid).await }))
    }

    /// Templates by name; with `category`, those offered for it.
    #[pyo3(signature = (category=None))]
    fn list_templates(&self, category: Option<&Bound<'_, PyAny>>) -> PyResult<Pending> {
        let cid: Option<CategoryId> = id_opt(category, "category")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.list_templates(ws, cid).await }))
    }

    /// Renders a template for a ticket (as `agent`, default the assignee) and counts the use.
    #[pyo3(signature = (template, ticket, *, agent=None))]
    fn render_template(
        &self,
        template: &Bound<'_, PyAny>,
        ticket: &Bound<'_, PyAny>,
        agent: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let tid: TemplateId = id(template, "template_id")?;
        let t = self::ticket(ticket)?;
        let agent: Option<AgentId> = id_opt(agent, "agent")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.render_template(ws, tid, t, agent.as_ref()).await
        }))
    }

    // ----- agents, customers, teams --------------------------------------------------

    /// Creates or updates an agent by the host's user id.
    #[pyo3(signature = (id, name, *, email=None, active=true, available=true, capacity=None))]
    fn put_agent(
        &self,
        id: &Bound<'_, PyAny>,
        name: String,
        email: Option<String>,
        active: bool,
        available: bool,
        capacity: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let input = AgentInput {
            id: crate::convert::id(id, "agent_id")?,
            name,
            email,
            active,
            available,
            capacity: int_opt(capacity, "capacity")?,
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.put_agent(ws, input).await }))
    }

    /// An agent by id.
    fn get_agent(&self, agent: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let a: AgentId = id(agent, "agent_id")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.get_agent(ws, &a).await }))
    }

    /// All agents.
    fn list_agents(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.list_agents(ws).await })
    }

    /// Creates or updates a customer by the host's user id.
    #[pyo3(signature = (id, name, *, email=None, tier=None, locale=None))]
    fn put_customer(
        &self,
        id: &Bound<'_, PyAny>,
        name: String,
        email: Option<String>,
        tier: Option<String>,
        locale: Option<String>,
    ) -> PyResult<Pending> {
        let input = CustomerInput {
            id: crate::convert::id(id, "customer_id")?,
            name,
            email,
            tier,
            locale,
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.put_customer(ws, input).await }))
    }

    /// A customer by id.
    fn get_customer(&self, customer: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let c: CustomerId = id(customer, "customer_id")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.get_customer(ws, &c).await }))
    }

    /// All customers.
    fn list_customers(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.list_customers(ws).await })
    }

    /// Creates a team of existing agents.
    #[pyo3(signature = (name, *, description=None, lead=None, members=None))]
    fn create_team(
        &self,
        name: String,
        description: Option<String>,
        lead: Option<&Bound<'_, PyAny>>,
        members: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let input = TeamInput {
            name,
            description,
            lead: id_opt(lead, "lead")?,
            members: members
                .map(|m| ids(m, "members"))
                .transpose()?
                .unwrap_or_default(),
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.create_team(ws, input).await }))
    }

    /// Replaces a team's name, description, lead and members.
    #[pyo3(signature = (team, name, *, description=None, lead=None, members=None))]
    fn update_team(
        &self,
        team: &Bound<'_, PyAny>,
        name: String,
        description: Option<String>,
        lead: Option<&Bound<'_, PyAny>>,
        members: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let tid: TeamId = id(team, "team_id")?;
        let input = TeamInput {
            name,
            description,
            lead: id_opt(lead, "lead")?,
            members: members
                .map(|m| ids(m, "members"))
                .transpose()?
                .unwrap_or_default(),
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.update_team(ws, tid, input).await },
        ))
    }

    /// A team by id.
    fn get_team(&self, team: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let tid: TeamId = id(team, "team_id")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.get_team(ws, tid).await }))
    }

    /// All teams.
    fn list_teams(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.list_teams(ws).await })
    }

    // ----- tickets --------------------------------------------------------------------

    /// Opens a ticket (validates, routes by category, numbers it, starts its SLA clocks).
    #[pyo3(signature = (customer, subject, description, *, html=None, priority=None, category=None, channel=None, team=None, assignee=None, tags=None, links=None, custom_fields=None, attachments=None, email_message_id=None, idempotency_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn open_ticket(
        &self,
        customer: &Bound<'_, PyAny>,
        subject: String,
        description: String,
        html: Option<String>,
        priority: Option<String>,
        category: Option<&Bound<'_, PyAny>>,
        channel: Option<&Bound<'_, PyAny>>,
        team: Option<&Bound<'_, PyAny>>,
        assignee: Option<&Bound<'_, PyAny>>,
        tags: Option<&Bound<'_, PyAny>>,
        links: Option<&Bound<'_, PyAny>>,
        custom_fields: Option<&Bound<'_, PyAny>>,
        attachments: Option<&Bound<'_, PyAny>>,
        email_message_id: Option<String>,
        idempotency_key: Option<String>,
    ) -> PyResult<Pending> {
        let input = OpenTicket {
            customer: Some(id(customer, "customer")?),
            subject,
            description,
            html,
            priority,
            category: id_opt(category, "category")?,
            channel: match channel.filter(|c| !c.is_none()) {
                Some(c) => parse(c, "channel")?,
                None => Default::default(),
            },
            team: id_opt(team, "team")?,
            assignee: id_opt(assignee, "assignee")?,
            tags: strings(tags, "tags")?,
            links: self::links(links)?,
            custom_fields: json_object(custom_fields, "custom_fields")?.unwrap_or_default(),
            attachments: self::attachments(attachments)?,
            email_message_id,
            idempotency_key,
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.open_ticket(ws, input).await }))
    }

    /// A ticket by id.
    fn get_ticket(&self, ticket: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.get_ticket(ws, t).await }))
    }

    /// A ticket by its number (`TKT-2026-00042`).
    fn get_ticket_by_number(&self, number: String) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.get_ticket_by_number(ws, &number).await })
    }

    /// The ticket with its thread as `view` sees it (customers never see notes).
    #[pyo3(signature = (ticket, view=None))]
    fn thread(
        &self,
        ticket: &Bound<'_, PyAny>,
        view: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let v = crate::convert::view(view)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.thread(ws, t, v).await }))
    }

    /// One page of the thread as `view` sees it, oldest first (`limit`
    /// 1..=500); pass `next_cursor` as `after` for the next page.
    #[pyo3(signature = (ticket, view=None, *, after=None, limit=None))]
    fn messages(
        &self,
        ticket: &Bound<'_, PyAny>,
        view: Option<&Bound<'_, PyAny>>,
        after: Option<String>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let limit = int_opt(limit, "limit")?.unwrap_or(50);
        let t = self::ticket(ticket)?;
        let v = crate::convert::view(view)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.messages(ws, t, v, after.as_deref(), limit).await
        }))
    }

    /// The assignment history, oldest first.
    fn assignment_history(&self, ticket: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.assignment_history(ws, t).await },
        ))
    }

    /// One page of tickets; pass `page.next_cursor` as `after` for the next.
    #[pyo3(signature = (*, statuses=None, priority=None, assignee=None, unassigned=false, team=None, category=None, tag=None, customer=None, order=None, after=None, limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn list_tickets(
        &self,
        statuses: Option<&Bound<'_, PyAny>>,
        priority: Option<String>,
        assignee: Option<&Bound<'_, PyAny>>,
        unassigned: bool,
        team: Option<&Bound<'_, PyAny>>,
        category: Option<&Bound<'_, PyAny>>,
        tag: Option<String>,
        customer: Option<&Bound<'_, PyAny>>,
        order: Option<&Bound<'_, PyAny>>,
        after: Option<String>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let statuses = match statuses.filter(|s| !s.is_none()) {
            Some(s) if s.is_instance_of::<pyo3::types::PyString>() => vec![parse(s, "statuses")?],
            Some(s) => seq(s, "statuses")?
                .iter()
                .map(|s| parse(s, "statuses"))
                .collect::<PyResult<_>>()?,
            None => Vec::new(),
        };
        let query = TicketQuery {
            statuses,
            priority,
            assignee: id_opt(assignee, "assignee")?,
            unassigned,
            team: id_opt(team, "team")?,
            category: id_opt(category, "category")?,
            tag,
            customer: id_opt(customer, "customer")?,
            order: order.map(self::order).transpose()?.unwrap_or_default(),
            after,
            limit: int_opt(limit, "limit")?.unwrap_or(50),
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.list_tickets(ws, &query).await },
        ))
    }

    /// Counts of tickets per status (`TicketStats`).
    fn ticket_stats(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.ticket_stats(ws).await })
    }

    /// A message from the ticket's customer (reopens pending/resolved tickets).
    #[pyo3(signature = (ticket, customer, body, *, html=None, attachments=None, email_message_id=None, idempotency_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn customer_message(
        &self,
        ticket: &Bound<'_, PyAny>,
        customer: &Bound<'_, PyAny>,
        body: String,
        html: Option<String>,
        attachments: Option<&Bound<'_, PyAny>>,
        email_message_id: Option<String>,
        idempotency_key: Option<String>,
    ) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let c: CustomerId = id(customer, "customer")?;
        let input = message(body, html, attachments, email_message_id, idempotency_key)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.customer_message(ws, t, &c, input).await
        }))
    }

    /// A public agent reply; `status` leaves the ticket in that status (e.g. `pending`).
    #[pyo3(signature = (ticket, agent, body, *, html=None, attachments=None, email_message_id=None, idempotency_key=None, status=None))]
    #[allow(clippy::too_many_arguments)]
    fn reply(
        &self,
        ticket: &Bound<'_, PyAny>,
        agent: &Bound<'_, PyAny>,
        body: String,
        html: Option<String>,
        attachments: Option<&Bound<'_, PyAny>>,
        email_message_id: Option<String>,
        idempotency_key: Option<String>,
        status: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let a: AgentId = id(agent, "agent")?;
        let mut input = message(body, html, attachments, email_message_id, idempotency_key)?;
        input.status = status
            .filter(|s| !s.is_none())
            .map(|s| parse(s, "status"))
            .transpose()?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.reply(ws, t, &a, input).await }))
    }

    /// An internal note (never shown to the customer, never an SLA response).
    #[pyo3(signature = (ticket, agent, body, *, html=None, attachments=None, email_message_id=None, idempotency_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn add_note(
        &self,
        ticket: &Bound<'_, PyAny>,
        agent: &Bound<'_, PyAny>,
        body: String,
        html: Option<String>,
        attachments: Option<&Bound<'_, PyAny>>,
        email_message_id: Option<String>,
        idempotency_key: Option<String>,
    ) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let a: AgentId = id(agent, "agent")?;
        let input = message(body, html, attachments, email_message_id, idempotency_key)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.add_note(ws, t, &a, input).await },
        ))
    }

    /// Assigns, reassigns, unassigns (`agent=None`) or escalates.
    #[pyo3(signature = (ticket, agent=None, *, team=None, reason=None, escalate=false, by=None))]
    fn assign(
        &self,
        ticket: &Bound<'_, PyAny>,
        agent: Option<&Bound<'_, PyAny>>,
        team: Option<&Bound<'_, PyAny>>,
        reason: Option<String>,
        escalate: bool,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let change = Assign {
            agent: id_opt(agent, "agent")?,
            team: id_opt(team, "team")?,
            reason,
            escalate,
        };
        let by = actor(by)?;
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.assign(ws, t, change, by).await },
        ))
    }

    /// Removes the assignee.
    #[pyo3(signature = (ticket, *, by=None))]
    fn unassign(
        &self,
        ticket: &Bound<'_, PyAny>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.unassign(ws, t, by).await }))
    }

    /// Moves the ticket along the workflow (`InvalidTransitionError` if not allowed).
    #[pyo3(signature = (ticket, status, *, by=None))]
    fn set_status(
        &self,
        ticket: &Bound<'_, PyAny>,
        status: &Bound<'_, PyAny>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, s, by) = (
            self::ticket(ticket)?,
            parse::<Status>(status, "status")?,
            actor(by)?,
        );
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.set_status(ws, t, s, by).await },
        ))
    }

    /// Resolves the ticket.
    #[pyo3(signature = (ticket, *, by=None))]
    fn resolve(
        &self,
        ticket: &Bound<'_, PyAny>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.resolve(ws, t, by).await }))
    }

    /// Closes the ticket.
    #[pyo3(signature = (ticket, *, by=None))]
    fn close(&self, ticket: &Bound<'_, PyAny>, by: Option<&Bound<'_, PyAny>>) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.close(ws, t, by).await }))
    }

    /// Reopens a resolved ticket, or a closed one within the reopen window.
    #[pyo3(signature = (ticket, *, by=None))]
    fn reopen(
        &self,
        ticket: &Bound<'_, PyAny>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.reopen(ws, t, by).await }))
    }

    /// Changes the priority to another code of the workspace.
    #[pyo3(signature = (ticket, priority, *, by=None))]
    fn set_priority(
        &self,
        ticket: &Bound<'_, PyAny>,
        priority: String,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.set_priority(ws, t, &priority, by).await
        }))
    }

    /// Changes (or clears, with `None`) the category.
    #[pyo3(signature = (ticket, category, *, by=None))]
    fn set_category(
        &self,
        ticket: &Bound<'_, PyAny>,
        category: Option<&Bound<'_, PyAny>>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let c: Option<CategoryId> = id_opt(category, "category")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.set_category(ws, t, c, by).await },
        ))
    }

    /// Adds a tag slug.
    #[pyo3(signature = (ticket, tag, *, by=None))]
    fn add_tag(
        &self,
        ticket: &Bound<'_, PyAny>,
        tag: String,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.add_tag(ws, t, &tag, by).await },
        ))
    }

    /// Removes a tag slug.
    #[pyo3(signature = (ticket, tag, *, by=None))]
    fn remove_tag(
        &self,
        ticket: &Bound<'_, PyAny>,
        tag: String,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.remove_tag(ws, t, &tag, by).await },
        ))
    }

    /// Links a host record (`Link`, or `"order:8812"`).
    #[pyo3(signature = (ticket, link, *, by=None))]
    fn link(
        &self,
        ticket: &Bound<'_, PyAny>,
        link: &Bound<'_, PyAny>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, l, by) = (self::ticket(ticket)?, self::link(link)?, actor(by)?);
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.link(ws, t, l, by).await }))
    }

    /// The customer's rating (1-5) of a resolved or closed ticket.
    #[pyo3(signature = (ticket, rating, comment=None, *, by=None))]
    fn rate(
        &self,
        ticket: &Bound<'_, PyAny>,
        rating: &Bound<'_, PyAny>,
        comment: Option<String>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let rating = int(rating, "rating")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.rate(ws, t, rating, comment, by).await
        }))
    }

    /// Edits subject, description or custom fields; a stale `expected_version` is `ConflictError`.
    #[pyo3(signature = (ticket, *, subject=None, description=None, custom_fields=None, expected_version=None, by=None))]
    fn update_ticket(
        &self,
        ticket: &Bound<'_, PyAny>,
        subject: Option<String>,
        description: Option<String>,
        custom_fields: Option<&Bound<'_, PyAny>>,
        expected_version: Option<&Bound<'_, PyAny>>,
        by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pending> {
        let (t, by) = (self::ticket(ticket)?, actor(by)?);
        let update = TicketUpdate {
            subject,
            description,
            custom_fields: json_object(custom_fields, "custom_fields")?,
            expected_version: int_opt(expected_version, "expected_version")?,
        };
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            d.update_ticket(ws, t, update, by).await
        }))
    }

    // ----- SLA ------------------------------------------------------------------------

    /// Replaces the ordered SLA policy list (`SlaPolicy` objects or dicts).
    fn set_sla_policies(&self, policies: &Bound<'_, PyAny>) -> PyResult<Pending> {
        let list = seq(policies, "policies")?
            .iter()
            .enumerate()
            .map(|(i, p)| policy(p, i))
            .collect::<PyResult<Vec<_>>>()?;
        let (d, ws) = self.parts();
        Ok(Pending::new(
            async move { d.set_sla_policies(ws, list).await },
        ))
    }

    /// The ordered SLA policies.
    fn list_sla_policies(&self) -> Pending {
        let (d, ws) = self.parts();
        Pending::new(async move { d.list_sla_policies(ws).await })
    }

    /// Records every SLA warning and breach due by `now` (default: the desk's clock).
    #[pyo3(signature = (now=None))]
    fn sla_sweep(&self, now: Option<&Bound<'_, PyAny>>) -> PyResult<Pending> {
        let now: Option<DateTime<Utc>> = utc_opt(now, "now")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move {
            let now = now.unwrap_or_else(|| d.clock().now());
            d.sla_sweep(ws, now).await
        }))
    }

    /// Explains one SLA clock of a ticket (`SlaExplanation`).
    fn explain_sla(
        &self,
        ticket: &Bound<'_, PyAny>,
        metric: &Bound<'_, PyAny>,
    ) -> PyResult<Pending> {
        let t = self::ticket(ticket)?;
        let m = parse(metric, "metric")?;
        let (d, ws) = self.parts();
        Ok(Pending::new(async move { d.explain_sla(ws, t, m).await }))
    }

    fn __repr__(&self) -> String {
        format!("Desk(workspace='{}')", self.ws)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Desk>().is_ok_and(|o| o.get().ws == self.ws)
    }

    fn __hash__(&self) -> u64 {
        self.ws.as_uuid().as_u64_pair().0
    }
}
