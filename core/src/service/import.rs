//! Importing tickets from another help desk.

use super::Helpdesk;
use super::tickets::{MAX_SUBJECT, MessageInput};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CategoryId, CustomerId, TeamId, TicketId, WorkspaceId};
use crate::priority::Priority;
use crate::sla::engine;
use crate::store::{ImportRow, TicketImport, WorkspaceCatalog};
use crate::ticket::rules;
use crate::ticket::{
    Actor, History, ImportTicket, ImportedTicket, MAX_IMPORT, MAX_IMPORT_MESSAGES, MessageKind,
    Satisfaction, Status, Ticket, replay,
};
use crate::validate;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// What every record of one import is checked against, read once.
struct Directory {
    catalog: std::sync::Arc<WorkspaceCatalog>,
    categories: HashSet<CategoryId>,
    teams: HashSet<TeamId>,
    agents: HashSet<AgentId>,
    /// Customers' tiers, when an SLA policy has a tier condition.
    tiers: Option<HashMap<CustomerId, Option<String>>>,
    now: DateTime<Utc>,
}

impl Helpdesk {
    /// Imports up to [`MAX_IMPORT`] tickets of another help desk with their
    /// history, atomically: the original numbers (`seq`, `number`) and
    /// timestamps, the thread, the final status and rating. Each history is
    /// replayed through the ticket's rules and the SLA engine (see
    /// [`ImportTicket`]); no event is recorded. Errors name the record's
    /// field (`tickets[3].messages[0].created_at`) and import nothing.
    /// Import in batches, oldest first; give `seq` so that a batch that
    /// failed can be sent again (a seq already stored is `already_exists`).
    pub async fn import_tickets(
        &self,
        ws: WorkspaceId,
        records: Vec<ImportTicket>,
    ) -> Result<Vec<ImportedTicket>> {
        if records.len() > MAX_IMPORT {
            return Err(Error::invalid_input(
                "tickets",
                format!(
                    "at most {MAX_IMPORT} tickets per call, got {}",
                    records.len()
                ),
            ));
        }
        let catalog = self.catalog(ws).await?;
        let needs_tier = catalog
            .sla_policies
            .iter()
            .any(|p| !p.conditions.customer_tiers.is_empty());
        let tiers = if needs_tier {
            let mut tiers = HashMap::new();
            for r in &records {
                if !tiers.contains_key(&r.customer)
                    && let Some(c) = self.store.get_customer(ws, &r.customer).await?
                {
                    tiers.insert(r.customer.clone(), c.tier);
                }
            }
            Some(tiers)
        } else {
            None
        };
        let dir = Directory {
            categories: self
                .store
                .list_categories(ws)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect(),
            teams: self
                .store
                .list_teams(ws)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect(),
            agents: self
                .store
                .list_agents(ws)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect(),
            tiers,
            now: self.now()?,
            catalog,
        };
        let mut import = TicketImport {
            number_format: dir.catalog.workspace.settings.number_format.clone(),
            tickets: Vec::with_capacity(records.len()),
        };
        for (i, record) in records.into_iter().enumerate() {
            let row = self
                .import_row(ws, record, &dir)
                .await
                .map_err(|e| e.within(&format!("tickets[{i}]")))?;
            import.tickets.push(row);
        }
        Ok(self.store.import_tickets(ws, import).await?)
    }

    /// One record, validated and replayed.
    async fn import_row(
        &self,
        ws: WorkspaceId,
        r: ImportTicket,
        dir: &Directory,
    ) -> Result<ImportRow> {
        let settings = &dir.catalog.workspace.settings;
        let known = |found: bool, field: &str, what: &str, id: &dyn std::fmt::Display| {
            if found {
                Ok(())
            } else {
                Err(Error::invalid_input(
                    field,
                    format!("no {what} {id} in the workspace"),
                ))
            }
        };
        if crate::limits::instant("created_at", r.created_at)? > dir.now {
            return Err(Error::invalid_input("created_at", "is in the future"));
        }
        if r.messages.len() > MAX_IMPORT_MESSAGES {
            return Err(Error::invalid_input(
                "messages",
                format!("at most {MAX_IMPORT_MESSAGES} messages per ticket"),
            ));
        }
        let number = match r.number {
            Some(n) => {
                if n.is_empty() || n.len() > 64 || !n.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::invalid_input(
                        "number",
                        "must be 1 to 64 printable ASCII characters without spaces",
                    ));
                }
                n
            }
            None => String::new(),
        };
        if r.seq
            .is_some_and(|s| !(1..=crate::ticket::MAX_IMPORT_SEQ).contains(&s))
        {
            return Err(Error::invalid_input(
                "seq",
                format!("must be 1 to {}", crate::ticket::MAX_IMPORT_SEQ),
            ));
        }
        // A kept number the workspace's format renders for some seq takes
        // that seq: a live ticket would otherwise be given it later.
        let seq = match own_seq(
            &settings.number_format,
            &number,
            ws,
            settings.local_year(r.created_at),
        ) {
            None => r.seq,
            Some(s) if r.seq.is_none_or(|x| x == s) => Some(s),
            Some(s) => {
                return Err(Error::invalid_input(
                    "number",
                    format!(
                        "{number:?} is the workspace's own number for seq {s}: give seq {s} or no seq"
                    ),
                ));
            }
        };
        let priority = match r.priority {
            Some(code) => dir
                .catalog
                .priorities
                .iter()
                .find(|p| p.code == code)
                .ok_or_else(|| {
                    Error::invalid_input(
                        "priority",
                        format!("no priority {code:?} in the workspace"),
                    )
                })?,
            None => Priority::default_of(&dir.catalog.priorities)?,
        };
        if let Some(c) = r.category {
            known(dir.categories.contains(&c), "category", "category", &c)?;
        }
        if let Some(t) = r.team {
            known(dir.teams.contains(&t), "team", "team", &t)?;
        }
        if let Some(a) = &r.assignee {
            known(dir.agents.contains(a), "assignee", "agent", a)?;
        }
        let tags = validate::tags("tags", &r.tags)?;
        let mut links = r.links;
        links.dedup();
        let links = crate::limits::at_most("links", links, crate::limits::LINKS, "links")?;
        validate::json_fields("custom_fields", &r.custom_fields)?;
        let customer = Actor::Customer(r.customer.clone());
        let opening = MessageInput {
            body: r.description,
            html: r.html,
            attachments: r.attachments,
            ..MessageInput::default()
        }
        .into_draft(MessageKind::Customer, customer.clone())
        .map_err(|e| match e {
            Error::InvalidInput { field, message } if field == "body" => {
                Error::invalid_input("description", message)
            }
            other => other,
        })?;
        let mut messages = Vec::with_capacity(r.messages.len());
        for (i, m) in r.messages.into_iter().enumerate() {
            let field = format!("messages[{i}]");
            let author = match (m.kind, m.agent) {
                (MessageKind::Customer, None) => customer.clone(),
                (MessageKind::System, None) => Actor::System,
                (MessageKind::Reply | MessageKind::Note, Some(a)) => {
                    known(
                        dir.agents.contains(&a),
                        &format!("{field}.agent"),
                        "agent",
                        &a,
                    )?;
                    Actor::Agent(a)
                }
                (MessageKind::Reply | MessageKind::Note, None) => {
                    return Err(Error::invalid_input(
                        format!("{field}.agent"),
                        "is required for a reply or a note",
                    ));
                }
                (kind, Some(_)) => {
                    return Err(Error::invalid_input(
                        format!("{field}.agent"),
                        format!(
                            "is only for a reply or a note, not a {} message",
                            kind.as_str()
                        ),
                    ));
                }
            };
            let draft = MessageInput {
                body: m.body,
                html: m.html,
                attachments: m.attachments,
                email_message_id: m.email_message_id,
                ..MessageInput::default()
            }
            .into_draft(m.kind, author)
            .map_err(|e| e.within(&field))?;
            messages.push((draft, m.created_at));
        }
        let satisfaction = match r.satisfaction {
            Some(s) => Some(Satisfaction {
                comment: validate::optional_paragraph(
                    "satisfaction.comment",
                    s.comment.as_deref(),
                    5000,
                )?,
                ..s
            }),
            None => None,
        };
        let created = r.created_at;
        let mut ticket = Ticket {
            id: TicketId::generate(),
            workspace_id: ws,
            seq: seq.unwrap_or(0),
            number,
            subject: validate::text("subject", &r.subject, MAX_SUBJECT)?,
            description: opening.body.clone(),
            status: Status::New,
            priority: priority.code.clone(),
            category: r.category,
            channel: r.channel,
            source_email: validate::email("source_email", r.source_email.as_deref())?,
            source_phone: validate::phone("source_phone", r.source_phone.as_deref())?,
            customer: r.customer,
            assignee: None,
            team: None,
            tags,
            links,
            custom_fields: r.custom_fields,
            created_at: created,
            updated_at: created,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            awaiting_reply_since: Some(created),
            last_customer_message_at: Some(created),
            last_agent_reply_at: None,
            satisfaction: None,
            sla: Default::default(),
            incident: None,
            timers: Default::default(),
            activity: Default::default(),
            merged_into: None,
            version: 1,
        };
        let mut assignments = Vec::new();
        if r.assignee.is_some() || r.team.is_some() {
            let routed = rules::assign(
                &ticket,
                r.assignee.as_ref(),
                r.team,
                false,
                &Actor::System,
                Some("import".into()),
                created,
            )?;
            ticket = routed.ticket;
            ticket.version = 1;
            assignments = routed.assignments;
        }
        let tier = match &dir.tiers {
            Some(tiers) => tiers.get(&ticket.customer).cloned().flatten(),
            None => None,
        };
        let catalog = &dir.catalog;
        let terms = engine::resolve(
            &catalog.sla_policies,
            &catalog.priorities,
            &ticket,
            tier.as_deref(),
        );
        let cal = self.calendars.get(terms.calendar(), dir.now)?;
        let history = History {
            opening,
            messages,
            status: r.status,
            resolved_at: r.resolved_at,
            closed_at: r.closed_at,
            satisfaction,
        };
        let (mut ticket, messages) = replay(ticket, history, &terms, &cal, dir.now)?;
        self.schedule(ws, &mut ticket, catalog).await?;
        Ok(ImportRow {
            local_year: settings.local_year(created),
            ticket,
            messages,
            assignments,
        })
    }
}

/// The seq whose number in `format` is `number` (ASCII case ignored), if
/// any: each run of digits in it (and each of its suffixes) is tried as the
/// seq, with `year` and each four-digit run or prefix as the year. Formats
/// with `{token}` are not recognised.
fn own_seq(
    format: &crate::workspace::NumberFormat,
    number: &str,
    ws: WorkspaceId,
    year: i32,
) -> Option<u64> {
    let runs: Vec<&str> = number
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .collect();
    let mut years = vec![year];
    years.extend(runs.iter().filter_map(|r| r.get(..4)?.parse::<i32>().ok()));
    for run in &runs {
        for i in 0..run.len() {
            let Ok(seq) = run[i..].parse::<u64>() else {
                continue;
            };
            if !(1..=crate::ticket::MAX_IMPORT_SEQ).contains(&seq) {
                continue;
            }
            if years
                .iter()
                .any(|&y| format.render(seq, y, ws).eq_ignore_ascii_case(number))
            {
                return Some(seq);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::own_seq;
    use crate::WorkspaceId;
    use crate::workspace::NumberFormat;

    #[test]
    fn numbers_of_the_workspace_format_name_their_seq() {
        let ws = WorkspaceId::generate();
        let default = NumberFormat::default();
        assert_eq!(own_seq(&default, "TKT-2024-00042", ws, 2026), Some(42));
        assert_eq!(own_seq(&default, "tkt-2026-00002", ws, 2026), Some(2));
        assert_eq!(own_seq(&default, "HD-42", ws, 2026), None);
        assert_eq!(own_seq(&default, "TKT-2024-42", ws, 2026), None);
        let dense = NumberFormat("{year}{seq:04}".into());
        assert_eq!(own_seq(&dense, "20250007", ws, 2026), Some(7));
    }
}
