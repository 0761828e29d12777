//! Tickets, their threads, assignment history, listing and the SLA index.

use super::*;

#[async_trait]
impl TicketStore for MemoryStore {
    async fn create_ticket(
        &self,
        ws: WorkspaceId,
        mut create: TicketCreate,
    ) -> StoreResult<(Ticket, bool)> {
        self.with_mut(ws, |d| {
            if let Some(idem) = &create.idempotency
                && let Some(&(i, fingerprint)) = d.ticket_keys.get(idem.key.as_str())
            {
                if fingerprint != idem.fingerprint {
                    return Err(StoreError::IdempotencyMismatch {
                        key: idem.key.clone(),
                    });
                }
                return Ok((d.tickets[i as usize].ticket.clone(), false));
            }
            if let Some(m) = d.check_message_keys(&create.messages) {
                let t = d.tickets[d.by_id[&m.ticket_id] as usize].ticket.clone();
                return Ok((t, false));
            }
            if !d.customers.contains_key(&create.ticket.customer) {
                return Err(StoreError::NotFound {
                    entity: "customer",
                    id: create.ticket.customer.to_string(),
                });
            }
            d.check_capacity(create.capacity.as_ref(), None)?;
            create.assign_number(d.last_seq + 1);
            let number_key = create.ticket.number.to_ascii_lowercase();
            if d.by_number.contains_key(number_key.as_str()) {
                return Err(StoreError::AlreadyExists {
                    entity: "ticket",
                    key: create.ticket.number,
                });
            }
            let ticket = create.ticket.clone();
            let idx = d.insert_ticket(create.ticket, create.messages, create.assignments);
            if let Some(idem) = create.idempotency {
                d.ticket_keys
                    .insert(idem.key.into_boxed_str(), (idx, idem.fingerprint));
            }
            d.append_events(ws, create.events);
            if let Some(shown) = create.suggestions.and_then(|id| d.suggestions.get_mut(&id)) {
                shown.ticket.get_or_insert(ticket.id);
            }
            Ok((ticket, true))
        })
    }

    async fn import_tickets(
        &self,
        ws: WorkspaceId,
        mut import: TicketImport,
    ) -> StoreResult<Vec<ImportedTicket>> {
        self.with_mut(ws, |d| {
            import.assign_numbers(d.last_seq)?;
            // Numbers first, then customers, each the first in the batch's
            // order (as the PostgreSQL backend checks them).
            let tickets = import.tickets.iter().map(|r| &r.ticket);
            if let Some(t) = tickets.clone().find(|t| {
                d.by_number
                    .contains_key(t.number.to_ascii_lowercase().as_str())
            }) {
                return Err(StoreError::AlreadyExists {
                    entity: "ticket",
                    key: t.number.clone(),
                });
            }
            if let Some(t) = tickets
                .clone()
                .find(|t| !d.customers.contains_key(&t.customer))
            {
                return Err(StoreError::NotFound {
                    entity: "customer",
                    id: t.customer.to_string(),
                });
            }
            let landed = import.landed();
            // In seq order, so that positions stay ordered by seq.
            import.tickets.sort_by_key(|r| r.ticket.seq);
            for row in import.tickets {
                d.insert_ticket(row.ticket, row.messages, row.assignments);
            }
            Ok(landed)
        })
    }

    async fn update_ticket(&self, ws: WorkspaceId, w: TicketWrite) -> StoreResult<WriteOutcome> {
        self.with_mut(ws, |d| {
            if let Some(m) = d.check_message_keys(&w.messages) {
                return Ok(WriteOutcome::DuplicateMessage(Box::new(m)));
            }
            let idx = *d
                .by_id
                .get(&w.ticket.id)
                .ok_or_else(|| StoreError::NotFound {
                    entity: "ticket",
                    id: w.ticket.id.to_string(),
                })?;
            if let Some(agent) = &w.active_agent {
                match d.agents.get(agent) {
                    Some(a) if a.active => {}
                    Some(_) => {
                        return Err(StoreError::InactiveAgent {
                            id: agent.to_string(),
                        });
                    }
                    None => {
                        return Err(StoreError::NotFound {
                            entity: "agent",
                            id: agent.to_string(),
                        });
                    }
                }
            }
            let current = &d.tickets[idx as usize].ticket;
            if current.version != w.expected_version {
                return Err(StoreError::VersionConflict {
                    entity: "ticket",
                    id: w.ticket.id.to_string(),
                    expected: w.expected_version,
                });
            }
            d.check_capacity(w.capacity.as_ref(), Some(current))?;
            let old = Tracked::of(Some(current));
            d.track(idx, old, &w.ticket, &w.assignments);
            let current = &d.tickets[idx as usize].ticket;
            if current.subject != w.ticket.subject || current.description != w.ticket.description {
                let head = Terms::head_of(&w.ticket);
                d.post(idx, &head);
                d.tickets[idx as usize].terms.head = head;
            }
            let row = &mut d.tickets[idx as usize];
            let old_check = row.ticket.sla.next_check();
            let new_check = w.ticket.sla.next_check();
            row.set_ticket(w.ticket);
            row.assignments.reserve_exact(w.assignments.len());
            row.assignments.extend(w.assignments);
            d.index_sla(idx, old_check, new_check);
            d.add_messages(idx, w.messages);
            d.append_events(ws, w.events);
            Ok(WriteOutcome::Applied)
        })
    }

    async fn get_ticket(&self, ws: WorkspaceId, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.with(ws, |d| d.row(id).map(|r| r.ticket.clone()))
    }

    async fn get_ticket_by_number(
        &self,
        ws: WorkspaceId,
        number: &str,
    ) -> StoreResult<Option<Ticket>> {
        self.with(ws, |d| {
            d.by_number
                .get(number.to_ascii_lowercase().as_str())
                .map(|&i| d.tickets[i as usize].ticket.clone())
        })
    }

    async fn list_messages(&self, ws: WorkspaceId, ticket: TicketId) -> StoreResult<Vec<Message>> {
        self.with(ws, |d| d.row(ticket).map(Row::thread).unwrap_or_default())
    }

    async fn get_message(&self, ws: WorkspaceId, id: MessageId) -> StoreResult<Option<Message>> {
        self.with(ws, |d| {
            let &(t, i) = d.message_ids.get(&id)?;
            Some(d.tickets[t as usize].message(i as usize))
        })
    }

    async fn list_messages_page(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
        after: Option<MessageId>,
        limit: usize,
        public_only: bool,
    ) -> StoreResult<Vec<Message>> {
        self.with(ws, |d| {
            let Some(row) = d.row(ticket) else {
                return Vec::new();
            };
            // The page starts after the message `after` of this thread.
            let from = match after {
                None => 0,
                Some(id) => match row.messages.iter().position(|m| m.id == id) {
                    Some(i) => i + 1,
                    None => return Vec::new(),
                },
            };
            (from..row.messages.len())
                .filter(|&i| !public_only || row.messages[i].kind.is_public())
                .take(limit)
                .map(|i| row.message(i))
                .collect()
        })
    }

    async fn list_assignments(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
    ) -> StoreResult<Vec<AssignmentRecord>> {
        self.with(ws, |d| {
            d.row(ticket)
                .map(|r| r.assignments.clone())
                .unwrap_or_default()
        })
    }

    async fn list_tickets(&self, ws: WorkspaceId, q: &TicketQuery) -> StoreResult<Page<Ticket>> {
        let after = q
            .validate()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let text = q.text().map_err(|e| StoreError::Backend(e.to_string()))?;
        self.with(ws, |d| {
            let found = match &text {
                None => None,
                Some(None) => Some(HashSet::new()),
                Some(Some(query)) => {
                    let mut found: HashSet<u64> = d
                        .search(query, q.search_notes)
                        .into_iter()
                        .map(|i| d.tickets[i as usize].ticket.seq)
                        .collect();
                    // The agent view: the matching customers' tickets too,
                    // minus the excluded words.
                    let customers: Vec<&CustomerId> = match q.customer {
                        Some(_) => Vec::new(),
                        None => d
                            .customers
                            .keys()
                            .filter(|id| {
                                d.customer_terms.get(*id).is_some_and(|t| query.matches(t))
                            })
                            .take(ticketry_core::query::MAX_SEARCH_CUSTOMERS)
                            .collect(),
                    };
                    if !customers.is_empty() {
                        found.extend(
                            d.tickets
                                .iter()
                                .filter(|r| customers.contains(&&r.ticket.customer))
                                .filter(|r| !query.excludes(&r.terms.view(q.search_notes)))
                                .map(|r| r.ticket.seq),
                        );
                    }
                    Some(found)
                }
            };
            let q = &Filter { q, found };
            let want = q.limit as usize + 1;
            let n = d.tickets.len();
            let seq_position = |t: &Ticket| Position::Seq(t.seq);
            match (q.order, after) {
                (TicketOrder::Newest, after) => {
                    // `after` is the last seq seen.
                    let end = match after {
                        Some(Position::Seq(a)) => d.below(a),
                        _ => n,
                    };
                    let items = d
                        .tickets
                        .range(0, end)
                        .rev()
                        .filter(|r| q.matches(&r.ticket));
                    page_from(
                        items.take(want).map(|r| r.ticket.clone()).collect(),
                        q.limit,
                        seq_position,
                    )
                }
                (TicketOrder::Oldest, after) => {
                    let start = match after {
                        Some(Position::Seq(a)) => d.below(a.saturating_add(1)),
                        _ => 0,
                    };
                    let items = d.tickets.range(start, n).filter(|r| q.matches(&r.ticket));
                    page_from(
                        items.take(want).map(|r| r.ticket.clone()).collect(),
                        q.limit,
                        seq_position,
                    )
                }
                (TicketOrder::Urgency, after) => {
                    let rank = |code: &str| {
                        d.priorities
                            .iter()
                            .find(|p| p.code == code)
                            .map_or(0, |p| p.rank)
                    };
                    let key = |t: &Ticket| Position::urgency_key(rank(&t.priority), t);
                    let after_key = match after {
                        Some(Position::Urgency { rank, due, seq }) => {
                            Some((std::cmp::Reverse(rank), due, seq))
                        }
                        _ => None,
                    };
                    let mut items: Vec<_> = d
                        .tickets
                        .iter()
                        .map(|r| &r.ticket)
                        .filter(|t| q.matches(t))
                        .map(|t| (key(t), t))
                        .filter(|(k, _)| after_key.is_none_or(|a| *k > a))
                        .collect();
                    first_in_order(&mut items, want);
                    let items = items.into_iter().map(|(_, t)| t.clone()).collect();
                    page_from(items, q.limit, |t| {
                        let (std::cmp::Reverse(rank), due, seq) = key(t);
                        Position::Urgency { rank, due, seq }
                    })
                }
                (TicketOrder::Relevance, after) => {
                    let Some(Some(query)) = &text else {
                        return page_from(Vec::new(), q.limit, seq_position);
                    };
                    let after_key = match after {
                        Some(Position::Relevance { score, seq }) => {
                            Some(Position::relevance_key(score, seq))
                        }
                        _ => None,
                    };
                    let mut items: Vec<_> = d
                        .tickets
                        .iter()
                        .filter(|r| q.matches(&r.ticket))
                        .map(|r| {
                            let score = r.terms.score(query, q.search_notes);
                            (Position::relevance_key(score, r.ticket.seq), r)
                        })
                        .filter(|(k, _)| after_key.is_none_or(|a| *k > a))
                        .collect();
                    first_in_order(&mut items, want);
                    let scores: Vec<(u64, u32)> =
                        items.iter().map(|(k, r)| (r.ticket.seq, k.0.0)).collect();
                    let items = items.into_iter().map(|(_, r)| r.ticket.clone()).collect();
                    page_from(items, q.limit, |t| Position::Relevance {
                        score: scores
                            .iter()
                            .find(|(seq, _)| *seq == t.seq)
                            .map_or(0, |&(_, s)| s),
                        seq: t.seq,
                    })
                }
            }
        })
    }

    async fn count_by_status(&self, ws: WorkspaceId) -> StoreResult<Vec<(Status, u64)>> {
        self.with(ws, |d| {
            let mut counts: BTreeMap<Status, u64> = BTreeMap::new();
            for r in d.tickets.iter() {
                *counts.entry(r.ticket.status).or_default() += 1;
            }
            counts.into_iter().collect()
        })
    }

    async fn report_tickets(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<ticketry_core::metrics::TicketFacts>> {
        self.with(ws, |d| {
            d.tickets
                .iter()
                .map(|r| &r.ticket)
                .filter(|t| t.created_at < until && (t.status.is_active() || t.updated_at >= since))
                .map(ticketry_core::metrics::TicketFacts::from)
                .collect()
        })
    }

    async fn dashboard_counts(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> StoreResult<ticketry_core::report::DashboardCounts> {
        let secs = |a: DateTime<Utc>, b: DateTime<Utc>| (a - b).num_milliseconds() as f64 / 1000.0;
        self.with(ws, |d| {
            let mut c = ticketry_core::report::DashboardCounts::default();
            for r in d.tickets.iter() {
                let t = &r.ticket;
                let due = t.sla.due_at().map(|x| x.timestamp());
                if t.status.is_active() {
                    c.active += 1;
                    c.unassigned += u64::from(t.assignee.is_none());
                    if t.sla.has_breached() || due.is_some_and(|x| x <= now.timestamp()) {
                        c.breaching += 1;
                    } else if due.is_some_and(|x| x <= soon.timestamp()) {
                        c.due_soon += 1;
                    }
                }
                c.created += u64::from(t.created_at >= since);
                c.closed += u64::from(t.closed_at.is_some_and(|x| x >= since));
                if let Some(x) = t.first_response_at.filter(|x| *x >= since) {
                    c.first_responses += 1;
                    c.first_response_secs += secs(x, t.created_at);
                }
                if let Some(x) = t.resolved_at.filter(|x| *x >= since) {
                    c.resolved += 1;
                    c.resolution_secs += secs(x, t.created_at);
                }
            }
            c
        })
    }

    async fn sla_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Ticket>> {
        self.with(ws, |d| d.due(&d.sla_index, now, limit))
    }

    async fn timers_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Ticket>> {
        self.with(ws, |d| d.due(&d.timer_index, now, limit))
    }

    async fn set_timers_due(
        &self,
        ws: WorkspaceId,
        due: &[(TicketId, u64, Option<DateTime<Utc>>)],
    ) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            for &(id, version, at) in due {
                let Some(&idx) = d.by_id.get(&id) else {
                    continue;
                };
                let current = &d.tickets[idx as usize].ticket;
                if current.version != version {
                    continue;
                }
                let old = Tracked::of(Some(current));
                let mut t = current.clone();
                t.timers.due = at;
                d.track(idx, old, &t, &[]);
                d.tickets[idx as usize].ticket.timers.due = at;
            }
            Ok(())
        })
    }

    async fn agent_loads(
        &self,
        ws: WorkspaceId,
        agents: &[AgentId],
    ) -> StoreResult<Vec<AgentLoad>> {
        self.with(ws, |d| {
            agents
                .iter()
                .map(|a| AgentLoad {
                    agent: a.clone(),
                    open: d.loads.get(a).copied().unwrap_or(0),
                    last_assigned: d.last_assigned.get(a).copied(),
                })
                .collect()
        })
    }
}

/// Keeps the first `want` items by key, in order (only the page is sorted:
/// it is selected first).
fn first_in_order<K: Ord + Copy, T>(items: &mut Vec<(K, T)>, want: usize) {
    if items.len() > want {
        items.select_nth_unstable_by_key(want - 1, |(k, _)| *k);
        items.truncate(want);
    }
    items.sort_unstable_by_key(|(k, _)| *k);
}

/// A query with its search's result: `matches` also checks the ticket was found.
struct Filter<'a> {
    q: &'a TicketQuery,
    /// The seqs of the tickets the search found.
    found: Option<HashSet<u64>>,
}

impl std::ops::Deref for Filter<'_> {
    type Target = TicketQuery;
    fn deref(&self) -> &TicketQuery {
        self.q
    }
}

impl Filter<'_> {
    fn matches(&self, t: &Ticket) -> bool {
        self.found.as_ref().is_none_or(|f| f.contains(&t.seq)) && self.q.matches(t)
    }
}
