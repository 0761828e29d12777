//! The `Workspace` handle: every operation of the core scoped to one
//! workspace. Each method converts its arguments, runs the core call on the
//! tokio runtime and converts the result; nothing else.

use crate::convert::{CoreResult, counter, id, integer, opt_id, parse_name, spawn, status};
use crate::types::*;
use napi::Env;
use napi::bindgen_prelude::{Either, Null, PromiseRaw};
use napi_derive::napi;
use std::future::Future;
use ticketry_core as tc;

/// A workspace (tenant) of a `Helpdesk`: the scope of every operation.
/// Get one from `Helpdesk.createWorkspace`, `workspace(id)` or
/// `workspaceBySlug(slug)`.
#[napi]
#[derive(Debug, Clone)]
pub struct Workspace {
    desk: tc::Helpdesk,
    ws: tc::WorkspaceId,
}

impl Workspace {
    pub fn new(desk: tc::Helpdesk, ws: tc::WorkspaceId) -> Self {
        Workspace { desk, ws }
    }

    /// Runs `f(desk, ws)` on the runtime and settles a Promise with it.
    fn run<'e, T, F, Fut>(&self, env: &'e Env, f: F) -> napi::Result<PromiseRaw<'e, T>>
    where
        T: napi::bindgen_prelude::ToNapiValue + Send + 'static,
        F: FnOnce(tc::Helpdesk, tc::WorkspaceId) -> Fut,
        Fut: Future<Output = CoreResult<T>> + Send + 'static,
    {
        spawn(env, f(self.desk.clone(), self.ws))
    }
}

impl Workspace {
    /// `update`, for `Helpdesk.updateWorkspace` too: omitted settings keep their value.
    pub async fn update_core(self, update: WorkspaceUpdate) -> CoreResult<WorkspaceInfo> {
        let (d, ws) = (self.desk, self.ws);
        let settings = update
            .settings
            .map(WorkspaceSettingsInput::into_patch)
            .transpose()?;
        Ok(d.update_workspace(ws, update.name, settings).await?.into())
    }
}

fn list<T, U: From<T>>(v: Vec<T>) -> Vec<U> {
    v.into_iter().map(U::from).collect()
}

fn by(opts: Option<ByOptions>) -> CoreResult<tc::Actor> {
    actor(opts.and_then(|o| o.by))
}

#[napi]
impl Workspace {
    // ----- the workspace ---------------------------------------------------------

    /// The workspace's id (UUID).
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> String {
        self.ws.to_string()
    }

    /// The workspace's record; `not_found` if it does not exist.
    #[napi(catch_unwind)]
    pub fn info<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, WorkspaceInfo>> {
        self.run(
            env,
            |d, ws| async move { Ok(d.get_workspace(ws).await?.into()) },
        )
    }

    /// Renames the workspace and/or changes settings (omitted ones are kept).
    #[napi(catch_unwind)]
    pub fn update<'e>(
        &self,
        env: &'e Env,
        update: WorkspaceUpdate,
    ) -> napi::Result<PromiseRaw<'e, WorkspaceInfo>> {
        let this = self.clone();
        spawn(env, async move { this.update_core(update).await })
    }

    // ----- events ----------------------------------------------------------------

    /// Events with `seq > after`, oldest first (the per-workspace log hosts
    /// turn into notifications; page with the last `seq` seen).
    #[napi(ts_return_type = "Promise<Array<Event>>", catch_unwind)]
    pub fn events<'e>(
        &self,
        env: &'e Env,
        options: Option<EventsOptions>,
    ) -> napi::Result<PromiseRaw<'e, Vec<EventRecord>>> {
        let (after, limit) = options.map_or((None, None), |o| (o.after, o.limit));
        self.run(env, move |d, ws| async move {
            let after = counter("after", after.unwrap_or(0.0))?;
            let limit = match limit {
                Some(n) => integer("limit", n)?,
                None => 100,
            };
            Ok(list(d.events(ws, after, limit).await?))
        })
    }

    /// Records that `consumer` handled every event up to `seq`.
    #[napi(ts_return_type = "Promise<void>", catch_unwind)]
    pub fn ack_events<'e>(
        &self,
        env: &'e Env,
        consumer: String,
        seq: f64,
    ) -> napi::Result<PromiseRaw<'e, ()>> {
        self.run(env, |d, ws| async move {
            d.ack_events(ws, &consumer, counter("seq", seq)?).await
        })
    }

    /// The last `seq` `consumer` acknowledged (0 if none).
    #[napi(catch_unwind)]
    pub fn consumer_position<'e>(
        &self,
        env: &'e Env,
        consumer: String,
    ) -> napi::Result<PromiseRaw<'e, f64>> {
        self.run(env, |d, ws| async move {
            Ok(d.consumer_position(ws, &consumer).await? as f64)
        })
    }

    // ----- priorities ------------------------------------------------------------

    /// Replaces the priorities (codes unique, at most one default).
    #[napi(catch_unwind)]
    pub fn set_priorities<'e>(
        &self,
        env: &'e Env,
        priorities: Vec<PriorityInput>,
    ) -> napi::Result<PromiseRaw<'e, Vec<Priority>>> {
        self.run(env, |d, ws| async move {
            let p = priorities
                .into_iter()
                .map(PriorityInput::into_core)
                .collect::<CoreResult<_>>()?;
            Ok(list(d.set_priorities(ws, p).await?))
        })
    }

    /// Creates or replaces one priority by code; a default one unmarks the others.
    #[napi(catch_unwind)]
    pub fn put_priority<'e>(
        &self,
        env: &'e Env,
        priority: PriorityInput,
    ) -> napi::Result<PromiseRaw<'e, Vec<Priority>>> {
        self.run(env, |d, ws| async move {
            Ok(list(d.put_priority(ws, priority.into_core()?).await?))
        })
    }

    /// Replaces the priorities with a preset.
    #[napi(catch_unwind)]
    pub fn install_priority_preset<'e>(
        &self,
        env: &'e Env,
        #[napi(ts_arg_type = "PriorityPreset")] preset: String,
    ) -> napi::Result<PromiseRaw<'e, Vec<Priority>>> {
        self.run(env, |d, ws| async move {
            let preset = parse_name("preset", &preset)?;
            Ok(list(d.install_priority_preset(ws, preset).await?))
        })
    }

    /// The priorities, least urgent first.
    #[napi(catch_unwind)]
    pub fn list_priorities<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Vec<Priority>>> {
        self.run(env, |d, ws| async move {
            Ok(list(d.list_priorities(ws).await?))
        })
    }

    // ----- categories ------------------------------------------------------------

    /// Creates a category.
    #[napi(catch_unwind)]
    pub fn create_category<'e>(
        &self,
        env: &'e Env,
        input: CategoryInput,
    ) -> napi::Result<PromiseRaw<'e, Category>> {
        self.run(env, |d, ws| async move {
            Ok(d.create_category(ws, input.into_core()?).await?.into())
        })
    }

    /// Replaces a category's fields.
    #[napi(catch_unwind)]
    pub fn update_category<'e>(
        &self,
        env: &'e Env,
        category_id: String,
        input: CategoryInput,
    ) -> napi::Result<PromiseRaw<'e, Category>> {
        self.run(env, |d, ws| async move {
            let c = id(&category_id)?;
            Ok(d.update_category(ws, c, input.into_core()?).await?.into())
        })
    }

    /// A category by id.
    #[napi(catch_unwind)]
    pub fn get_category<'e>(
        &self,
        env: &'e Env,
        category_id: String,
    ) -> napi::Result<PromiseRaw<'e, Category>> {
        self.run(env, |d, ws| async move {
            Ok(d.get_category(ws, id(&category_id)?).await?.into())
        })
    }

    /// All categories, by position then name.
    #[napi(catch_unwind)]
    pub fn list_categories<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Vec<Category>>> {
        self.run(env, |d, ws| async move {
            Ok(list(d.list_categories(ws).await?))
        })
    }

    // ----- tags --------------------------------------------------------------------

    /// Registers or renames a tag.
    #[napi(catch_unwind)]
    pub fn put_tag<'e>(&self, env: &'e Env, tag: TagInput) -> napi::Result<PromiseRaw<'e, Tag>> {
        self.run(env, |d, ws| async move {
            Ok(d.put_tag(ws, tag.into_core()).await?.into())
        })
    }

    /// All registered tags.
    #[napi(catch_unwind)]
    pub fn list_tags<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Vec<Tag>>> {
        self.run(env, |d, ws| async move { Ok(list(d.list_tags(ws).await?)) })
    }

    // ----- templates ---------------------------------------------------------------

    /// Creates a response template (a body that does not parse is `invalid_input`).
    #[napi(catch_unwind)]
    pub fn create_template<'e>(
        &self,
        env: &'e Env,
        input: TemplateInput,
    ) -> napi::Result<PromiseRaw<'e, Template>> {
        self.run(env, |d, ws| async move {
            Ok(d.create_template(ws, input.into_core()?).await?.into())
        })
    }

    /// Replaces a template's fields (keeps its usage count).
    #[napi(catch_unwind)]
    pub fn update_template<'e>(
        &self,
        env: &'e Env,
        template_id: String,
        input: TemplateInput,
    ) -> napi::Result<PromiseRaw<'e, Template>> {
        self.run(env, |d, ws| async move {
            let t = id(&template_id)?;
            Ok(d.update_template(ws, t, input.into_core()?).await?.into())
        })
    }

    /// A template by id.
    #[napi(catch_unwind)]
    pub fn get_template<'e>(
        &self,
        env: &'e Env,
        template_id: String,
    ) -> napi::Result<PromiseRaw<'e, Template>> {
        self.run(env, |d, ws| async move {
            Ok(d.get_template(ws, id(&template_id)?).await?.into())
        })
    }

    /// Templates by name; with `category`, only those offered for it.
    #[napi(catch_unwind)]
    pub fn list_templates<'e>(
        &self,
        env: &'e Env,
        filter: Option<TemplateFilter>,
    ) -> napi::Result<PromiseRaw<'e, Vec<Template>>> {
        self.run(env, |d, ws| async move {
            let c = opt_id(filter.and_then(|f| f.category))?;
            Ok(list(d.list_templates(ws, c).await?))
        })
    }

    /// Renders a template for a ticket (Jinja2: `ticket`, `customer`,
    /// `agent`, `workspace`) and counts the use.
    #[napi(catch_unwind)]
    pub fn render_template<'e>(
        &self,
        env: &'e Env,
        template_id: String,
        ticket_id: String,
        options: Option<RenderOptions>,
    ) -> napi::Result<PromiseRaw<'e, String>> {
        self.run(env, |d, ws| async move {
            let agent: Option<tc::AgentId> = opt_id(options.and_then(|o| o.agent))?;
            d.render_template(ws, id(&template_id)?, id(&ticket_id)?, agent.as_ref())
                .await
        })
    }

    // ----- agents, customers, teams ------------------------------------------------

    /// Creates or updates an agent by the host's user id.
    #[napi(catch_unwind)]
    pub fn put_agent<'e>(
        &self,
        env: &'e Env,
        input: AgentInput,
    ) -> napi::Result<PromiseRaw<'e, Agent>> {
        self.run(env, |d, ws| async move {
            Ok(d.put_agent(ws, input.into_core()?).await?.into())
        })
    }

    /// An agent by id.
    #[napi(catch_unwind)]
    pub fn get_agent<'e>(
        &self,
        env: &'e Env,
        agent_id: String,
    ) -> napi::Result<PromiseRaw<'e, Agent>> {
        self.run(env, |d, ws| async move {
            Ok(d.get_agent(ws, &id(&agent_id)?).await?.into())
        })
    }

    /// All agents.
    #[napi(catch_unwind)]
    pub fn list_agents<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Vec<Agent>>> {
        self.run(
            env,
            |d, ws| async move { Ok(list(d.list_agents(ws).await?)) },
        )
    }

    /// Creates or updates a customer by the host's user id.
    #[napi(catch_unwind)]
    pub fn put_customer<'e>(
        &self,
        env: &'e Env,
        input: CustomerInput,
    ) -> napi::Result<PromiseRaw<'e, Customer>> {
        self.run(env, |d, ws| async move {
            Ok(d.put_customer(ws, input.into_core()?).await?.into())
        })
    }

    /// A customer by id.
    #[napi(catch_unwind)]
    pub fn get_customer<'e>(
        &self,
        env: &'e Env,
        customer_id: String,
    ) -> napi::Result<PromiseRaw<'e, Customer>> {
        self.run(env, |d, ws| async move {
            Ok(d.get_customer(ws, &id(&customer_id)?).await?.into())
        })
    }

    /// All customers.
    #[napi(catch_unwind)]
    pub fn list_customers<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Vec<Customer>>> {
        self.run(
            env,
            |d, ws| async move { Ok(list(d.list_customers(ws).await?)) },
        )
    }

    /// Creates a team of existing agents.
    #[napi(catch_unwind)]
    pub fn create_team<'e>(
        &self,
        env: &'e Env,
        input: TeamInput,
    ) -> napi::Result<PromiseRaw<'e, Team>> {
        self.run(env, |d, ws| async move {
            Ok(d.create_team(ws, input.into_core()?).await?.into())
        })
    }

    /// Replaces a team's name, description, lead and members.
    #[napi(catch_unwind)]
    pub fn update_team<'e>(
        &self,
        env: &'e Env,
        team_id: String,
        input: TeamInput,
    ) -> napi::Result<PromiseRaw<'e, Team>> {
        self.run(env, |d, ws| async move {
            let t = id(&team_id)?;
            Ok(d.update_team(ws, t, input.into_core()?).await?.into())
        })
    }

    /// A team by id.
    #[napi(catch_unwind)]
    pub fn get_team<'e>(
        &self,
        env: &'e Env,
        team_id: String,
    ) -> napi::Result<PromiseRaw<'e, Team>> {
        self.run(env, |d, ws| async move {
            Ok(d.get_team(ws, id(&team_id)?).await?.into())
        })
    }

    /// All teams.
    #[napi(catch_unwind)]
    pub fn list_teams<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, Vec<Team>>> {
        self.run(
            env,
            |d, ws| async move { Ok(list(d.list_teams(ws).await?)) },
        )
    }

    // ----- tickets: reading --------------------------------------------------------

    /// Opens a ticket: validates, routes by category, numbers it
    /// (`TKT-2026-00042`), starts its SLA clocks, records `ticket.created`.
    #[napi(catch_unwind)]
    pub fn open_ticket<'e>(
        &self,
        env: &'e Env,
        input: OpenTicketInput,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.open_ticket(ws, input.into_core()?).await?.into())
        })
    }

    /// A ticket by id.
    #[napi(catch_unwind)]
    pub fn get_ticket<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.get_ticket(ws, id(&ticket_id)?).await?.into())
        })
    }

    /// A ticket by its number (`TKT-2026-00042`).
    #[napi(catch_unwind)]
    pub fn get_ticket_by_number<'e>(
        &self,
        env: &'e Env,
        number: String,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.get_ticket_by_number(ws, &number).await?.into())
        })
    }

    /// One page of the thread as `view` sees it, oldest first; pass
    /// `nextCursor` as `after` for the next page.
    #[napi(catch_unwind)]
    pub fn messages<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        options: Option<MessagesOptions>,
    ) -> napi::Result<PromiseRaw<'e, MessagePage>> {
        self.run(env, |d, ws| async move {
            let o = options.unwrap_or(MessagesOptions {
                view: None,
                after: None,
                limit: None,
            });
            let view = crate::convert::view(o.view)?;
            let limit = match o.limit {
                Some(n) => integer("limit", n)?,
                None => 50,
            };
            let page = d
                .messages(ws, id(&ticket_id)?, view, o.after.as_deref(), limit)
                .await?;
            Ok(MessagePage {
                items: list(page.items),
                next_cursor: page.next_cursor,
            })
        })
    }

    /// The ticket with its thread as `view` sees it (customers never see notes).
    #[napi(catch_unwind)]
    pub fn thread<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        options: Option<ThreadOptions>,
    ) -> napi::Result<PromiseRaw<'e, Thread>> {
        self.run(env, |d, ws| async move {
            let view = crate::convert::view(options.and_then(|o| o.view))?;
            Ok(d.thread(ws, id(&ticket_id)?, view).await?.into())
        })
    }

    /// The assignment history of a ticket, oldest first.
    #[napi(catch_unwind)]
    pub fn assignment_history<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
    ) -> napi::Result<PromiseRaw<'e, Vec<AssignmentRecord>>> {
        self.run(env, |d, ws| async move {
            Ok(list(d.assignment_history(ws, id(&ticket_id)?).await?))
        })
    }

    /// One page of tickets; pass `nextCursor` as `after` for the next one.
    #[napi(catch_unwind)]
    pub fn list_tickets<'e>(
        &self,
        env: &'e Env,
        query: Option<TicketQuery>,
    ) -> napi::Result<PromiseRaw<'e, TicketPage>> {
        self.run(env, |d, ws| async move {
            let q = match query {
                Some(q) => q.into_core()?,
                None => tc::TicketQuery::default(),
            };
            let page = d.list_tickets(ws, &q).await?;
            Ok(TicketPage {
                items: list(page.items),
                next_cursor: page.next_cursor,
            })
        })
    }

    /// Counts of tickets per status.
    #[napi(catch_unwind)]
    pub fn ticket_stats<'e>(&self, env: &'e Env) -> napi::Result<PromiseRaw<'e, TicketStats>> {
        self.run(
            env,
            |d, ws| async move { Ok(d.ticket_stats(ws).await?.into()) },
        )
    }

    // ----- tickets: messages -------------------------------------------------------

    /// Adds a message from the ticket's customer (reopens pending or
    /// resolved tickets; `invalid_transition` on closed ones).
    #[napi(catch_unwind)]
    pub fn customer_message<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        customer_id: String,
        message: Either<String, MessageInput>,
    ) -> napi::Result<PromiseRaw<'e, Message>> {
        self.run(env, |d, ws| async move {
            let c = id(&customer_id)?;
            Ok(
                d.customer_message(ws, id(&ticket_id)?, &c, crate::types::message(message)?)
                    .await?
                    .into(),
            )
        })
    }

    /// Adds a public agent reply (meets first/next response); `status`
    /// leaves the ticket in that status.
    #[napi(catch_unwind)]
    pub fn reply<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        agent_id: String,
        message: Either<String, MessageInput>,
    ) -> napi::Result<PromiseRaw<'e, Message>> {
        self.run(env, |d, ws| async move {
            let a = id(&agent_id)?;
            Ok(
                d.reply(ws, id(&ticket_id)?, &a, crate::types::message(message)?)
                    .await?
                    .into(),
            )
        })
    }

    /// Adds an internal note (never shown to the customer).
    #[napi(catch_unwind)]
    pub fn add_note<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        agent_id: String,
        message: Either<String, MessageInput>,
    ) -> napi::Result<PromiseRaw<'e, Message>> {
        self.run(env, |d, ws| async move {
            let a = id(&agent_id)?;
            Ok(
                d.add_note(ws, id(&ticket_id)?, &a, crate::types::message(message)?)
                    .await?
                    .into(),
            )
        })
    }

    // ----- tickets: changes --------------------------------------------------------

    /// Assigns, reassigns, unassigns (no `agent`) or escalates.
    #[napi(catch_unwind)]
    pub fn assign<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        change: AssignInput,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            let a = tc::Assign {
                agent: opt_id(change.agent)?,
                team: opt_id(change.team)?,
                reason: change.reason,
                escalate: change.escalate.unwrap_or(false),
            };
            Ok(d.assign(ws, id(&ticket_id)?, a, actor(change.by)?)
                .await?
                .into())
        })
    }

    /// Removes the assignee.
    #[napi(catch_unwind)]
    pub fn unassign<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.unassign(ws, id(&ticket_id)?, by(options)?).await?.into())
        })
    }

    /// Moves the ticket along the workflow; `invalid_transition` if not allowed.
    #[napi(catch_unwind)]
    pub fn set_status<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        #[napi(ts_arg_type = "TicketStatus")] to: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            let s = status(&to)?;
            Ok(d.set_status(ws, id(&ticket_id)?, s, by(options)?)
                .await?
                .into())
        })
    }

    /// Resolves the ticket.
    #[napi(catch_unwind)]
    pub fn resolve<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.resolve(ws, id(&ticket_id)?, by(options)?).await?.into())
        })
    }

    /// Closes the ticket.
    #[napi(catch_unwind)]
    pub fn close<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.close(ws, id(&ticket_id)?, by(options)?).await?.into())
        })
    }

    /// Reopens a resolved ticket, or a closed one within the reopen window.
    #[napi(catch_unwind)]
    pub fn reopen<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.reopen(ws, id(&ticket_id)?, by(options)?).await?.into())
        })
    }

    /// Changes the priority to another code of the workspace.
    #[napi(catch_unwind)]
    pub fn set_priority<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        code: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.set_priority(ws, id(&ticket_id)?, &code, by(options)?)
                .await?
                .into())
        })
    }

    /// Changes the category, or clears it with `null`.
    #[napi(catch_unwind)]
    pub fn set_category<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        category_id: Either<String, Null>,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            let c = match category_id {
                Either::A(c) => Some(id(&c)?),
                Either::B(Null) => None,
            };
            Ok(d.set_category(ws, id(&ticket_id)?, c, by(options)?)
                .await?
                .into())
        })
    }

    /// Adds a tag slug.
    #[napi(catch_unwind)]
    pub fn add_tag<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        tag: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.add_tag(ws, id(&ticket_id)?, &tag, by(options)?)
                .await?
                .into())
        })
    }

    /// Removes a tag slug.
    #[napi(catch_unwind)]
    pub fn remove_tag<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        tag: String,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            Ok(d.remove_tag(ws, id(&ticket_id)?, &tag, by(options)?)
                .await?
                .into())
        })
    }

    /// Links a host record: `{ kind: 'order', id: '8812' }` or `'order:8812'`.
    #[napi(catch_unwind)]
    pub fn link<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        link: Either<String, Link>,
        options: Option<ByOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            let l = match link {
                Either::A(s) => s.parse()?,
                Either::B(l) => l.into_core()?,
            };
            Ok(d.link(ws, id(&ticket_id)?, l, by(options)?).await?.into())
        })
    }

    /// Records the customer's rating, 1–5, of a resolved or closed ticket.
    #[napi(catch_unwind)]
    pub fn rate<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        rating: f64,
        options: Option<RateOptions>,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            let (comment, who) = options.map_or((None, None), |o| (o.comment, o.by));
            let rating: u8 = integer("rating", rating)?;
            Ok(d.rate(ws, id(&ticket_id)?, rating, comment, actor(who)?)
                .await?
                .into())
        })
    }

    /// Edits subject, description or custom fields; with `expectedVersion`,
    /// a ticket changed since it was read is `conflict`.
    #[napi(catch_unwind)]
    pub fn update_ticket<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        update: TicketUpdate,
    ) -> napi::Result<PromiseRaw<'e, Ticket>> {
        self.run(env, |d, ws| async move {
            let (u, who) = update.into_core()?;
            Ok(d.update_ticket(ws, id(&ticket_id)?, u, who).await?.into())
        })
    }

    // ----- SLA ---------------------------------------------------------------------

    /// Replaces the ordered SLA policy list (calendars are validated first).
    #[napi(catch_unwind)]
    pub fn set_sla_policies<'e>(
        &self,
        env: &'e Env,
        policies: Vec<SlaPolicy>,
    ) -> napi::Result<PromiseRaw<'e, Vec<SlaPolicy>>> {
        self.run(env, |d, ws| async move {
            let p = policies
                .into_iter()
                .enumerate()
                .map(|(i, p)| p.into_core(i))
                .collect::<CoreResult<_>>()?;
            Ok(list(d.set_sla_policies(ws, p).await?))
        })
    }

    /// The ordered SLA policies.
    #[napi(catch_unwind)]
    pub fn list_sla_policies<'e>(
        &self,
        env: &'e Env,
    ) -> napi::Result<PromiseRaw<'e, Vec<SlaPolicy>>> {
        self.run(env, |d, ws| async move {
            Ok(list(d.list_sla_policies(ws).await?))
        })
    }

    /// Records every SLA warning and breach that fell due by `now` (default:
    /// the desk's clock), once per ticket and clock.
    #[napi(catch_unwind)]
    pub fn sla_sweep<'e>(
        &self,
        env: &'e Env,
        options: Option<SweepOptions>,
    ) -> napi::Result<PromiseRaw<'e, SweepReport>> {
        self.run(env, |d, ws| async move {
            let now = match options.and_then(|o| o.now) {
                Some(now) => now.instant("now")?,
                None => d.clock().now(),
            };
            Ok(d.sla_sweep(ws, now).await?.into())
        })
    }

    /// Explains one SLA clock of a ticket: policy, calendar, pauses,
    /// holidays skipped, segments and due instant.
    #[napi(catch_unwind)]
    pub fn explain_sla<'e>(
        &self,
        env: &'e Env,
        ticket_id: String,
        #[napi(ts_arg_type = "SlaMetric")] metric: String,
    ) -> napi::Result<PromiseRaw<'e, SlaExplanation>> {
        self.run(env, |d, ws| async move {
            let m = metric.parse()?;
            Ok(d.explain_sla(ws, id(&ticket_id)?, m).await?.into())
        })
    }
}
