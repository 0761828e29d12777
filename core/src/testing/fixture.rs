use crate::*;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;

/// A workspace with two agents (one inactive), a team and two customers, on
/// a manual clock starting Monday 2026-03-02 08:00 UTC.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub desk: Helpdesk,
    pub clock: Arc<ManualClock>,
    pub ws: WorkspaceId,
    pub agent: AgentId,
    pub agent2: AgentId,
    pub inactive: AgentId,
    pub customer: CustomerId,
    pub customer2: CustomerId,
    pub team: TeamId,
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
}

impl Fixture {
    pub async fn new(store: Arc<dyn store::Store>) -> Self {
        let clock = Arc::new(ManualClock::new(start()));
        let desk = Helpdesk::with_clock(store, clock.clone());
        Self::in_desk(desk, clock, "acme").await
    }

    /// Another workspace on the same desk.
    pub async fn in_desk(desk: Helpdesk, clock: Arc<ManualClock>, slug: &str) -> Self {
        let ws = desk
            .create_workspace(NewWorkspace::new(slug.to_uppercase(), slug))
            .await
            .unwrap()
            .id;
        let agent = AgentId::new(format!("{slug}-agent-1")).unwrap();
        let agent2 = AgentId::new(format!("{slug}-agent-2")).unwrap();
        let inactive = AgentId::new(format!("{slug}-agent-gone")).unwrap();
        for (id, name) in [(&agent, "Ann Agent"), (&agent2, "Bob Agent")] {
            let mut a = AgentInput::new(id.clone(), name);
            a.email = Some(format!("{id}@example.com"));
            desk.put_agent(ws, a).await.unwrap();
        }
        let mut gone = AgentInput::new(inactive.clone(), "Gone Agent");
        gone.active = false;
        desk.put_agent(ws, gone).await.unwrap();
        let customer = CustomerId::new(format!("{slug}-user-1")).unwrap();
        let customer2 = CustomerId::new(format!("{slug}-user-2")).unwrap();
        let mut c = CustomerInput::new(customer.clone(), "Carol Customer");
        c.email = Some("carol@example.com".into());
        c.tier = Some("gold".into());
        desk.put_customer(ws, c).await.unwrap();
        desk.put_customer(ws, CustomerInput::new(customer2.clone(), "Dave Customer"))
            .await
            .unwrap();
        let team = desk
            .create_team(
                ws,
                TeamInput {
                    name: "Tier 1".into(),
                    lead: Some(agent.clone()),
                    members: vec![agent2.clone()],
                    ..TeamInput::default()
                },
            )
            .await
            .unwrap()
            .id;
        Self {
            desk,
            clock,
            ws,
            agent,
            agent2,
            inactive,
            customer,
            customer2,
            team,
        }
    }

    pub fn agent_actor(&self) -> Actor {
        Actor::Agent(self.agent.clone())
    }

    pub fn customer_actor(&self) -> Actor {
        Actor::Customer(self.customer.clone())
    }

    /// A new category of the workspace, without routing defaults.
    pub async fn category(&self, name: &str, parent: Option<CategoryId>) -> Category {
        let input = CategoryInput {
            name: name.into(),
            parent,
            ..Default::default()
        };
        self.desk.create_category(self.ws, input).await.unwrap()
    }

    pub async fn open(&self, subject: &str) -> Ticket {
        self.try_open(subject).await.unwrap()
    }

    /// The error of a ticket opened as [`Self::open`] does, which must fail.
    pub async fn open_err(&self, subject: &str) -> crate::Error {
        self.try_open(subject).await.unwrap_err()
    }

    async fn try_open(&self, subject: &str) -> crate::Result<Ticket> {
        self.desk
            .open_ticket(
                self.ws,
                OpenTicket::new(self.customer.clone(), subject, "Something is broken"),
            )
            .await
    }

    /// Every event of the workspace.
    pub async fn all_events(&self) -> Vec<Event> {
        let mut out = Vec::new();
        loop {
            let after = out.last().map_or(0, |e: &Event| e.seq);
            let page = self.desk.events(self.ws, after, 1000).await.unwrap();
            if page.is_empty() {
                return out;
            }
            out.extend(page);
        }
    }

    /// Event type names after `after`.
    pub async fn event_names_after(&self, after: u64) -> Vec<&'static str> {
        self.all_events()
            .await
            .iter()
            .filter(|e| e.seq > after)
            .map(|e| e.kind.name())
            .collect()
    }

    /// How many tickets the first page of `list_tickets` shows (every
    /// ticket, for the few a test opens).
    pub async fn ticket_count(&self) -> usize {
        self.desk
            .list_tickets(self.ws, &crate::TicketQuery::default())
            .await
            .unwrap()
            .items
            .len()
    }

    pub async fn last_seq(&self) -> u64 {
        self.all_events().await.last().map_or(0, |e| e.seq)
    }

    /// Everything observable about the workspace, to assert nothing changed.
    pub async fn snapshot(&self) -> String {
        let mut q = TicketQuery {
            limit: 500,
            ..TicketQuery::default()
        };
        q.order = TicketOrder::Oldest;
        let tickets = self.desk.list_tickets(self.ws, &q).await.unwrap().items;
        let mut threads = Vec::new();
        for t in &tickets {
            threads.push(self.desk.thread(self.ws, t.id, View::Agent).await.unwrap());
            threads.push(Thread {
                ticket: t.clone(),
                messages: Vec::new(),
            });
        }
        let mut history = Vec::new();
        for t in &tickets {
            history.extend(self.desk.assignment_history(self.ws, t.id).await.unwrap());
        }
        serde_json::to_string(&serde_json::json!({
            "threads": threads,
            "history": history,
            "events": self.all_events().await,
            "agents": self.desk.list_agents(self.ws).await.unwrap(),
            "customers": self.desk.list_customers(self.ws).await.unwrap(),
            "templates": self.desk.list_templates(self.ws, None).await.unwrap(),
            "categories": self.desk.list_categories(self.ws).await.unwrap(),
            "priorities": self.desk.list_priorities(self.ws).await.unwrap(),
            "teams": self.desk.list_teams(self.ws).await.unwrap(),
            "tags": self.desk.list_tags(self.ws).await.unwrap(),
            "rules": self.desk.list_rules(self.ws).await.unwrap(),
        }))
        .unwrap()
    }
}

/// Asserts `r` is an error with `code`.
#[track_caller]
/// `r` is `invalid_input` on `field`.
pub fn assert_field<T: std::fmt::Debug>(r: Result<T>, field: &str) {
    match r {
        Err(Error::InvalidInput { field: got, .. }) => assert_eq!(got, field),
        other => panic!("expected invalid_input on {field}, got {other:?}"),
    }
}

pub fn assert_code<T: std::fmt::Debug>(r: Result<T>, code: &str) {
    match r {
        Err(e) => assert_eq!(e.code(), code, "expected {code}, got {e}"),
        Ok(v) => panic!("expected error {code}, got Ok({v:?})"),
    }
}
