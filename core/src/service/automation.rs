//! Automation rules: saving them, and folding the rules a change fires into
//! that change's write (see [`crate::automation`]).

use super::Helpdesk;
use crate::automation::{self, Condition, Facts, Reminder, Rule, RuleAction, Trigger};
use crate::error::{Error, Result};
use crate::event::EventKind;
use crate::ids::{CategoryId, TemplateId, WorkspaceId};
use crate::priority::Priority;
use crate::store::{NUMBER_MARK, TicketWrite, WorkspaceCatalog};
use crate::template;
use crate::ticket::rules::{self, MessageDraft};
use crate::ticket::{Actor, MessageKind, Ticket};
use serde_json::json;

/// A templated message a fired rule adds, rendered once the change's SLA
/// clocks are known (so an auto-reply can promise the due time).
pub(crate) struct PendingMessage {
    template: TemplateId,
    kind: MessageKind,
    rule: usize,
}

/// The facts of [`Facts`], owned.
#[derive(Debug, Default)]
pub(crate) struct OwnedFacts {
    lineage: Vec<CategoryId>,
    tier: Option<String>,
    message: Option<String>,
    open: Option<bool>,
}

impl OwnedFacts {
    /// Forgets whether the calendar is open (a schedule computed ahead).
    pub(crate) fn forget_hours(&mut self) {
        self.open = None;
    }

    /// The borrowed view the rules read.
    pub(crate) fn get(&self) -> Facts<'_> {
        Facts {
            lineage: &self.lineage,
            tier: self.tier.as_deref(),
            message: self.message.as_deref(),
            open: self.open,
        }
    }
}

impl Automation {
    /// Whether fired rules will add templated messages.
    pub(crate) fn has_messages(&self) -> bool {
        !self.messages.is_empty()
    }
}

/// The rules a change fired, between [`Helpdesk::automate`] and
/// [`Helpdesk::automate_messages`].
#[derive(Default)]
pub(crate) struct Automation {
    messages: Vec<PendingMessage>,
    /// Per fired rule: its name, the actions taken and skipped.
    fired: Vec<(String, Vec<String>, Vec<String>)>,
}

impl Helpdesk {
    /// Replaces the workspace's automation rules (an ordered list; the first
    /// that fires with `stop` ends it). Everything a rule names must exist:
    /// agents, teams, categories, templates (`not_found`) and priority codes
    /// (`invalid_input`); nothing is saved otherwise.
    pub async fn set_rules(&self, ws: WorkspaceId, rules: Vec<Rule>) -> Result<Vec<Rule>> {
        let catalog = self.catalog(ws).await?;
        automation::check(&rules)?;
        // A condition's categories exist too: another workspace's id (or
        // none's) is `not_found`, as everywhere, not a rule that never fires.
        let named: Vec<CategoryId> = rules
            .iter()
            .flat_map(|r| r.conditions.iter().chain(&r.any))
            .filter_map(|c| match c {
                Condition::Category(ids) => Some(ids.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect();
        self.check_categories(ws, &named).await?;
        for (i, r) in rules.iter().enumerate() {
            for (j, a) in r.actions.iter().enumerate() {
                match a {
                    RuleAction::Assign(agent) => drop(self.get_agent(ws, agent).await?),
                    RuleAction::AssignTeam(team)
                    | RuleAction::Escalate {
                        team: Some(team), ..
                    } => drop(self.get_team(ws, *team).await?),
                    RuleAction::SetCategory(c) => drop(self.get_category(ws, *c).await?),
                    RuleAction::Reply(t) | RuleAction::Note(t) => {
                        drop(self.get_template(ws, *t).await?)
                    }
                    RuleAction::SetPriority(code)
                        if !catalog.priorities.iter().any(|p| &p.code == code) =>
                    {
                        return Err(Error::invalid_input(
                            format!("rules[{i}].actions[{j}]"),
                            format!("no priority {code:?} in this workspace"),
                        ));
                    }
                    _ => {}
                }
            }
        }
        let timed = |rules: &[Rule]| -> Vec<Rule> {
            rules
                .iter()
                .filter(|r| r.after.is_some())
                .cloned()
                .collect()
        };
        let retimed = timed(&catalog.rules) != timed(&rules);
        self.store.save_rules(ws, &rules).await?;
        if retimed {
            self.reschedule_all(ws).await?;
        }
        Ok(rules)
    }

    /// The workspace's automation rules, in order.
    pub async fn list_rules(&self, ws: WorkspaceId) -> Result<Vec<Rule>> {
        Ok(self.catalog(ws).await?.rules.to_vec())
    }

    /// Folds the changes of the rules that `w` fires into `w` (as the system;
    /// its templated messages come later, from [`Self::automate_messages`]).
    /// An action that cannot apply any more (an agent since deactivated, a
    /// transition the ticket's status forbids) is skipped and reported.
    pub(crate) async fn automate(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        catalog: &WorkspaceCatalog,
        created: bool,
    ) -> Result<Automation> {
        let mut out = Automation::default();
        if catalog.rules.is_empty() {
            return Ok(out);
        }
        let triggers = triggers(w, created);
        if triggers.is_empty() {
            return Ok(out);
        }
        let message = w.messages.first().map(|m| m.body.clone());
        let ticket = w.ticket.clone();
        let facts = self
            .facts(ws, &ticket, catalog, message.as_deref(), |_| true)
            .await?;
        let fired = automation::fired(&catalog.rules, &triggers, &ticket, &facts.get());
        self.run_actions(ws, w, catalog, &fired, &mut out).await?;
        Ok(out)
    }

    /// What `rules`' conditions need besides the ticket, read only when
    /// some condition looks at it.
    pub(crate) async fn facts(
        &self,
        ws: WorkspaceId,
        t: &Ticket,
        catalog: &WorkspaceCatalog,
        message: Option<&str>,
        which: impl Fn(&Rule) -> bool,
    ) -> Result<OwnedFacts> {
        let uses = |f: fn(&automation::Condition) -> bool| {
            catalog.rules.iter().any(|r| which(r) && r.uses(f))
        };
        let lineage = if uses(|c| matches!(c, automation::Condition::Category(_))) {
            self.lineage(ws, t.category).await?
        } else {
            Vec::new()
        };
        let uses_tier = uses(|c| matches!(c, automation::Condition::CustomerTier(_)));
        let tier = self.tier_if(uses_tier, ws, &t.customer).await?;
        let open = if uses(|c| matches!(c, automation::Condition::BusinessHours(_))) {
            let cal = self.ticket_calendar(t, catalog)?;
            Some(cal.is_open(t.updated_at))
        } else {
            None
        };
        Ok(OwnedFacts {
            lineage,
            tier,
            message: message.map(str::to_owned),
            open,
        })
    }

    /// Takes the actions of the `fired` rules, in order, into `w` (as the
    /// system); templated messages are left in `out` for
    /// [`Self::automate_messages`].
    pub(crate) async fn run_actions(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        catalog: &WorkspaceCatalog,
        fired: &[&Rule],
        out: &mut Automation,
    ) -> Result<()> {
        let by = Actor::System;
        for rule in fired {
            let (mut taken, mut skipped) = (Vec::new(), Vec::new());
            let index = out.fired.len();
            for action in &rule.actions {
                let applied = match action {
                    RuleAction::Reply(t) | RuleAction::Note(t) => {
                        let kind = if matches!(action, RuleAction::Reply(_)) {
                            MessageKind::System
                        } else {
                            MessageKind::Note
                        };
                        out.messages.push(PendingMessage {
                            template: *t,
                            kind,
                            rule: index,
                        });
                        continue;
                    }
                    RuleAction::Emit(name) => {
                        w.emit(
                            &by,
                            EventKind::AutomationEvent {
                                name: name.clone(),
                                rule: rule.name.clone(),
                            },
                        );
                        true
                    }
                    RuleAction::Remind(reminder) => {
                        let count = w
                            .ticket
                            .timers
                            .marks
                            .iter()
                            .find(|m| m.rule == rule.name)
                            .map_or(1, |m| m.fired);
                        let rule = rule.name.clone();
                        w.emit(
                            &by,
                            match reminder {
                                Reminder::Rating => EventKind::RatingReminder { rule, count },
                                Reminder::Overdue => EventKind::OverdueReminder { rule, count },
                            },
                        );
                        true
                    }
                    RuleAction::AutoAssign => self.auto_assign(ws, w, catalog).await?,
                    _ => {
                        self.apply_action(ws, w, action, &rule.name, catalog)
                            .await?
                    }
                };
                if applied {
                    taken.push(action.name().to_owned());
                } else {
                    skipped.push(action.name().to_owned());
                }
            }
            out.fired.push((rule.name.clone(), taken, skipped));
        }
        Ok(())
    }

    /// Applies one ticket-changing action; `false` when it cannot apply now.
    async fn apply_action(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        action: &RuleAction,
        rule: &str,
        catalog: &WorkspaceCatalog,
    ) -> Result<bool> {
        let by = Actor::System;
        let reason = Some(format!("rule: {rule}"));
        let t = &w.ticket;
        let next = match action {
            RuleAction::Assign(agent) => match self.store.get_agent(ws, agent).await? {
                Some(a) if a.active => {
                    rules::assign(t, Some(agent), None, false, &by, reason, t.updated_at)
                }
                _ => return Ok(false),
            },
            RuleAction::AssignTeam(team) => match self.store.get_team(ws, *team).await? {
                Some(x) if x.active => rules::assign(
                    t,
                    t.assignee.as_ref(),
                    Some(*team),
                    false,
                    &by,
                    reason,
                    t.updated_at,
                ),
                _ => return Ok(false),
            },
            RuleAction::SetPriority(code) => {
                if Priority::usable(&catalog.priorities, code).is_err() {
                    return Ok(false);
                }
                rules::set_priority(t, code.clone(), &by, t.updated_at)
            }
            RuleAction::SetCategory(c) => match self.store.get_category(ws, *c).await? {
                Some(x) if x.active => rules::set_category(t, Some(*c), &by, t.updated_at),
                _ => return Ok(false),
            },
            RuleAction::SetStatus(s) => rules::set_status(t, *s, &by, t.updated_at),
            RuleAction::Escalate {
                team,
                to_lead,
                raise_priority,
            } => {
                let Some(next) = self
                    .escalate(ws, t, *team, *to_lead, *raise_priority, rule, catalog)
                    .await?
                else {
                    return Ok(false);
                };
                Ok(next)
            }
            RuleAction::AddTag(tag) => rules::tag(t, tag.clone(), true, &by, t.updated_at),
            RuleAction::RemoveTag(tag) => rules::tag(t, tag.clone(), false, &by, t.updated_at),
            RuleAction::Reply(_)
            | RuleAction::Note(_)
            | RuleAction::Emit(_)
            | RuleAction::Remind(_)
            | RuleAction::AutoAssign => return Ok(false),
        };
        let Ok(next) = next else { return Ok(false) };
        w.fold(next);
        Ok(true)
    }

    /// Renders the fired rules' templated messages into `w` and records one
    /// `automation.applied` event per fired rule. `numbered`: the ticket has
    /// its number (a new ticket's comes from the store, in the same write).
    pub(crate) async fn automate_messages(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        catalog: &WorkspaceCatalog,
        mut fired: Automation,
        numbered: bool,
    ) -> Result<()> {
        let context = match fired.messages.is_empty() {
            true => serde_json::Value::Null,
            false => {
                self.render_context(ws, &w.ticket, catalog, numbered)
                    .await?
            }
        };
        for pending in &fired.messages {
            let (_, taken, skipped) = &mut fired.fired[pending.rule];
            let name = if pending.kind == MessageKind::Note {
                "note"
            } else {
                "reply"
            };
            match self
                .render_for(ws, &pending.template, &context, numbered)
                .await?
                // A render past the body limit is skipped like a failed one.
                .filter(|body| {
                    crate::validate::body("body", body, super::tickets::MAX_BODY).is_ok()
                }) {
                Some(body) => {
                    let draft = MessageDraft {
                        id: crate::ids::MessageId::generate(),
                        kind: pending.kind,
                        author: Actor::System,
                        body,
                        html: None,
                        attachments: Vec::new(),
                        email_message_id: None,
                        sender: None,
                        idempotency_key: None,
                        then_status: None,
                    };
                    let now = w.ticket.updated_at;
                    let message = draft.into_message(&w.ticket, now);
                    let message_id = message.id;
                    w.messages.push(message);
                    w.emit(
                        &Actor::System,
                        EventKind::MessageAdded {
                            message_id,
                            message_kind: pending.kind,
                        },
                    );
                    taken.push(name.to_owned());
                }
                None => skipped.push(name.to_owned()),
            }
        }
        for (rule, actions, skipped) in fired.fired {
            w.emit(
                &Actor::System,
                EventKind::AutomationApplied {
                    rule,
                    actions,
                    skipped,
                },
            );
        }
        Ok(())
    }

    /// A template rendered for the ticket as the change leaves it; `None`
    /// when the template is gone, inactive or fails to render.
    async fn render_for(
        &self,
        ws: WorkspaceId,
        template: &TemplateId,
        context: &serde_json::Value,
        numbered: bool,
    ) -> Result<Option<String>> {
        let Some(tpl) = self
            .store
            .get_template(ws, *template)
            .await?
            .filter(|x| x.active)
        else {
            return Ok(None);
        };
        let text = template::render(&tpl.body, context.clone()).await.ok();
        // A filter that changed the number's mark (`upper`, `replace`) would
        // show it to the customer: such a render is skipped.
        let intact = |t: &String| {
            numbered || t.matches('\u{E000}').count() == 2 * t.matches(NUMBER_MARK).count()
        };
        Ok(text.filter(intact))
    }

    /// What the fired rules' templates see: the ticket as the change leaves
    /// it (a new ticket's number as the store's mark), its customer, the
    /// assignee and the workspace; read once per change.
    async fn render_context(
        &self,
        ws: WorkspaceId,
        t: &Ticket,
        catalog: &WorkspaceCatalog,
        numbered: bool,
    ) -> Result<serde_json::Value> {
        let customer = self.store.get_customer(ws, &t.customer).await?;
        let agent = match &t.assignee {
            Some(a) => self.store.get_agent(ws, a).await?,
            None => None,
        };
        let mut ticket = serde_json::to_value(t).map_err(|e| Error::Internal {
            message: format!("a ticket did not serialize: {e}"),
        })?;
        if !numbered {
            ticket["number"] = json!(NUMBER_MARK);
        }
        let workspace = &catalog.workspace;
        let context = json!({
            "ticket": ticket,
            "customer": customer,
            "agent": agent,
            "workspace": {
                "name": workspace.name,
                "slug": workspace.slug,
                "timezone": workspace.settings.timezone,
            },
        });
        Ok(context)
    }

    /// The customer's tier, read only when `needed` (a condition on tiers).
    pub(crate) async fn tier_if(
        &self,
        needed: bool,
        ws: WorkspaceId,
        customer: &crate::ids::CustomerId,
    ) -> Result<Option<String>> {
        if !needed {
            return Ok(None);
        }
        Ok(self
            .store
            .get_customer(ws, customer)
            .await?
            .and_then(|c| c.tier))
    }

    /// `category` and its ancestors, nearest first.
    pub(crate) async fn lineage(
        &self,
        ws: WorkspaceId,
        category: Option<CategoryId>,
    ) -> Result<Vec<CategoryId>> {
        let mut lineage = Vec::new();
        let mut cur = category;
        while let Some(c) = cur.filter(|c| !lineage.contains(c) && lineage.len() <= 32) {
            lineage.push(c);
            cur = self.store.get_category(ws, c).await?.and_then(|c| c.parent);
        }
        Ok(lineage)
    }
}

/// The triggers a change fires, from the events it records.
fn triggers(w: &TicketWrite, created: bool) -> Vec<Trigger> {
    use crate::ticket::MessageKind as K;
    let mut out = Vec::new();
    if created {
        out.push(Trigger::TicketCreated);
    }
    for e in &w.events {
        let t = match &e.kind {
            EventKind::MessageAdded {
                message_kind: K::Customer,
                ..
            } if !created => Trigger::CustomerMessage,
            EventKind::MessageAdded {
                message_kind: K::Reply,
                ..
            } => Trigger::AgentReply,
            EventKind::StatusChanged { .. } if !created => Trigger::StatusChanged,
            EventKind::PriorityChanged { .. } => Trigger::PriorityChanged,
            EventKind::CategoryChanged { .. } => Trigger::CategoryChanged,
            EventKind::Tagged { .. } | EventKind::Untagged { .. } => Trigger::TagsChanged,
            _ => continue,
        };
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}
