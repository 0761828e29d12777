//! Automatic assignment with capacity, the backlog, time rules and
//! `run_automations`, on every backend.

use super::fixture::{Fixture, assert_code};
use super::sla::{berlin, berlin_office_hours, h, policy, target};
use crate::assignment::Strategy;
use crate::automation::{Elapsed, Preset, Rule, RuleAction, Since};
use crate::store::Store;
use crate::workspace::SettingsPatch;
use crate::*;
use chrono::TimeDelta;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `n` more active, available agents with `capacity`.
async fn agents(f: &Fixture, n: usize, capacity: Option<u32>) -> Vec<AgentId> {
    let mut out = Vec::new();
    for i in 0..n {
        let id = AgentId::new(format!("pool-{i}")).unwrap();
        let mut a = AgentInput::new(id.clone(), format!("Pool {i}"));
        a.capacity = capacity;
        f.desk.put_agent(f.ws, a).await.unwrap();
        out.push(id);
    }
    out
}

async fn default_strategy(f: &Fixture, s: Strategy) {
    let patch = SettingsPatch {
        assignment: Some(Some(s)),
        ..SettingsPatch::default()
    };
    f.desk
        .update_workspace(f.ws, None, Some(patch))
        .await
        .unwrap();
}

async fn open_with(f: &Fixture, subject: &str, priority: &str) -> Ticket {
    let mut input = OpenTicket::new(f.customer.clone(), subject, "help");
    input.priority = Some(priority.into());
    f.desk.open_ticket(f.ws, input).await.unwrap()
}

async fn count(f: &Fixture, name: &str) -> usize {
    f.all_events()
        .await
        .iter()
        .filter(|e| e.kind.name() == name)
        .count()
}

pub async fn round_robin_spreads_tickets_evenly(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let pool = agents(&f, 5, None).await;
    let team = f
        .desk
        .create_team(
            f.ws,
            TeamInput {
                name: "Billing".into(),
                members: pool.clone(),
                strategy: Some(Strategy::RoundRobin),
                ..TeamInput::default()
            },
        )
        .await
        .unwrap();
    let mut per: BTreeMap<AgentId, usize> = BTreeMap::new();
    for i in 0..1000 {
        f.clock.advance(TimeDelta::seconds(1));
        let mut input = OpenTicket::new(f.customer.clone(), format!("t{i}"), "x");
        input.team = Some(team.id);
        let t = f.desk.open_ticket(f.ws, input).await.unwrap();
        *per.entry(t.assignee.unwrap()).or_default() += 1;
    }
    assert_eq!(per.keys().cloned().collect::<Vec<_>>(), pool);
    let (min, max) = (per.values().min().unwrap(), per.values().max().unwrap());
    assert!(max - min <= 1, "{per:?}");
    // Why is on the record.
    let t = f
        .desk
        .get_ticket_by_number(f.ws, "TKT-2026-00001")
        .await
        .unwrap();
    let history = f.desk.assignment_history(f.ws, t.id).await.unwrap();
    let reason = history.last().unwrap().reason.clone().unwrap();
    assert_eq!(reason, "round_robin: 0 open in team Billing");
}

pub async fn least_loaded_never_exceeds_capacity(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    // The fixture's two agents are unavailable, so only the pool counts.
    for id in [&f.agent, &f.agent2] {
        let mut a = AgentInput::new(id.clone(), "Away");
        a.available = false;
        f.desk.put_agent(f.ws, a).await.unwrap();
    }
    let pool = agents(&f, 4, Some(5)).await;
    default_strategy(&f, Strategy::LeastLoaded).await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let f = f.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for j in 0..2 {
                    out.push(open_with(&f, &format!("c{i}-{j}"), "medium").await);
                }
                out
            })
        })
        .collect();
    let mut assigned: BTreeMap<AgentId, usize> = BTreeMap::new();
    let mut waiting = 0;
    for task in tasks {
        for t in task.await.unwrap() {
            match t.assignee {
                Some(a) => *assigned.entry(a).or_default() += 1,
                None => waiting += 1,
            }
        }
    }
    assert_eq!(assigned.keys().cloned().collect::<Vec<_>>(), pool);
    assert!(assigned.values().all(|n| *n == 5), "{assigned:?}");
    assert_eq!(waiting, 44);
    assert_eq!(count(&f, "assignment.queued").await, 44);
    // Manual assignment may exceed capacity.
    let page = f
        .desk
        .list_tickets(
            f.ws,
            &TicketQuery {
                unassigned: true,
                limit: 1,
                ..TicketQuery::default()
            },
        )
        .await
        .unwrap();
    let by_hand = f
        .desk
        .assign(
            f.ws,
            page.items[0].id,
            Assign::to(pool[0].clone()),
            f.agent_actor(),
        )
        .await
        .unwrap();
    assert_eq!(by_hand.assignee.as_ref(), Some(&pool[0]));
}

pub async fn backlog_drains_fifo_within_priority(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    for id in [&f.agent, &f.agent2] {
        let mut a = AgentInput::new(id.clone(), "Away");
        a.available = false;
        f.desk.put_agent(f.ws, a).await.unwrap();
    }
    let solo = agents(&f, 1, Some(1)).await.remove(0);
    default_strategy(&f, Strategy::LeastLoaded).await;
    let first = open_with(&f, "first", "medium").await;
    assert_eq!(first.assignee.as_ref(), Some(&solo));
    f.clock.advance(TimeDelta::minutes(1));
    let low = open_with(&f, "low", "low").await;
    f.clock.advance(TimeDelta::minutes(1));
    let urgent1 = open_with(&f, "urgent 1", "urgent").await;
    f.clock.advance(TimeDelta::minutes(1));
    let urgent2 = open_with(&f, "urgent 2", "urgent").await;
    assert!(
        [&low, &urgent1, &urgent2]
            .iter()
            .all(|t| t.assignee.is_none())
    );
    let holder = |id: TicketId| {
        let f = f.clone();
        async move { f.desk.get_ticket(f.ws, id).await.unwrap().assignee }
    };
    let agent = Actor::Agent(solo.clone());
    // Resolving frees the room: the oldest urgent ticket takes it.
    f.desk.resolve(f.ws, first.id, agent.clone()).await.unwrap();
    assert_eq!(holder(urgent1.id).await.as_ref(), Some(&solo));
    assert_eq!(holder(urgent2.id).await, None);
    f.desk
        .resolve(f.ws, urgent1.id, agent.clone())
        .await
        .unwrap();
    assert_eq!(holder(urgent2.id).await.as_ref(), Some(&solo));
    assert_eq!(holder(low.id).await, None);
    // Raising the capacity frees room too.
    let mut more = AgentInput::new(solo.clone(), "Pool 0");
    more.capacity = Some(2);
    f.desk.put_agent(f.ws, more).await.unwrap();
    assert_eq!(holder(low.id).await.as_ref(), Some(&solo));
}

pub async fn presets_fire_once_at_their_instant(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.desk
        .add_preset(f.ws, Preset::AutoClose { after: None })
        .await
        .unwrap();
    let rules = f
        .desk
        .add_preset(f.ws, Preset::RatingReminder { after: None })
        .await
        .unwrap();
    assert_eq!(rules.len(), 2);
    // Installing again replaces, not duplicates.
    assert_eq!(
        f.desk
            .add_preset(f.ws, Preset::AutoClose { after: None })
            .await
            .unwrap()
            .len(),
        2
    );
    // The same preset with another duration replaces the first.
    let again = f
        .desk
        .add_preset(
            f.ws,
            Preset::AutoClose {
                after: Some(TimeDelta::days(3)),
            },
        )
        .await
        .unwrap();
    assert_eq!(again.len(), 2);
    assert_eq!(again[0].name, "Close resolved tickets after 3 days");
    f.desk
        .add_preset(f.ws, Preset::AutoClose { after: None })
        .await
        .unwrap();
    let t = f.open("printer").await;
    f.desk
        .reply(f.ws, t.id, &f.agent, MessageInput::text("fixed"))
        .await
        .unwrap();
    let resolved = f.desk.resolve(f.ws, t.id, f.agent_actor()).await.unwrap();
    let at = resolved.resolved_at.unwrap();
    assert_eq!(resolved.timers.due, Some(at + TimeDelta::days(2)));
    let run = |when| {
        let f = f.clone();
        async move { f.desk.run_automations(f.ws, when).await.unwrap() }
    };
    let early = run(at + TimeDelta::days(2) - TimeDelta::seconds(1)).await;
    assert_eq!((early.examined, early.fired.len()), (0, 0));
    let remind = run(at + TimeDelta::days(2)).await;
    assert_eq!(remind.fired.len(), 1);
    assert_eq!(
        remind.fired[0].rule,
        "Remind to rate 2 days after resolution"
    );
    assert_eq!(run(at + TimeDelta::days(2)).await.fired.len(), 0);
    assert_eq!(count(&f, "ticket.rating_reminder").await, 1);
    // The reminder is not an edit.
    let t2 = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(t2.updated_at, resolved.updated_at);
    assert_eq!(t2.timers.due, Some(at + TimeDelta::days(7)));
    // Four workers at once close it once.
    let week = at + TimeDelta::days(7);
    let runs: Vec<_> = (0..4).map(|_| tokio::spawn(run(week))).collect();
    let mut fired = 0;
    for r in runs {
        fired += r.await.unwrap().fired.len();
    }
    assert_eq!(fired, 1);
    let closed = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(closed.status, Status::Closed);
    assert_eq!(closed.timers.due, None);
    assert_eq!(count(&f, "ticket.rating_reminder").await, 1);
    let applied = f
        .all_events()
        .await
        .into_iter()
        .filter(|e| matches!(&e.kind, EventKind::AutomationApplied { rule, .. } if rule.starts_with("Close")))
        .count();
    assert_eq!(applied, 1);
}

pub async fn business_hours_timers_cross_weekend_and_dst(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let cal = berlin_office_hours();
    let mut p = policy("Office", vec![target("medium", Some(h(40)), None, None)]);
    p.calendar = Some(cal);
    f.desk.set_sla_policies(f.ws, vec![p]).await.unwrap();
    let rule = Rule {
        name: "Nudge after a working day".into(),
        after: Some(Elapsed {
            since: Since::Created,
            after: h(8),
            business_hours: true,
            repeat_every: None,
        }),
        actions: vec![RuleAction::AddTag("nudged".into())],
        ..Rule::default()
    };
    // Friday 27 March 13:00 CET; the clocks go forward on Sunday 29 March.
    f.clock.set(berlin(2026, 3, 27, 13, 0));
    let t = f.open("slow").await;
    f.desk.set_rules(f.ws, vec![rule]).await.unwrap();
    // Friday 13–17 (4 h) and Monday 09–13 CEST (4 h): 11:00 UTC.
    let due = berlin(2026, 3, 30, 13, 0);
    assert_eq!(
        due,
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 30, 11, 0, 0).unwrap()
    );
    let stored = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(stored.timers.due, Some(due));
    let before = f
        .desk
        .run_automations(f.ws, due - TimeDelta::seconds(1))
        .await
        .unwrap();
    assert!(before.fired.is_empty());
    let at = f.desk.run_automations(f.ws, due).await.unwrap();
    assert_eq!(at.fired.len(), 1);
    let tagged = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(tagged.tags, vec!["nudged".to_owned()]);
    assert_eq!(tagged.timers.due, None);
}

pub async fn timers_due_past_the_last_instant_are_none(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let nudge = |name: &str, days: i64| Rule {
        name: name.into(),
        after: Some(Elapsed {
            since: Since::Created,
            after: TimeDelta::days(days),
            business_hours: false,
            repeat_every: None,
        }),
        actions: vec![RuleAction::AddTag(name.to_lowercase())],
        ..Rule::default()
    };
    f.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 9999, 12, 25, 0, 0, 0).unwrap());
    f.desk
        .set_rules(f.ws, vec![nudge("Late", 10)])
        .await
        .unwrap();
    let t = f.open("at the end of time").await;
    assert_eq!(t.timers.due, None);
    f.desk
        .set_rules(f.ws, vec![nudge("Late", 10), nudge("Soon", 2)])
        .await
        .unwrap();
    let stored = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(stored.timers.due, Some(t.created_at + TimeDelta::days(2)));
}

pub async fn reminders_repeat_while_overdue(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.desk
        .set_sla_policies(
            f.ws,
            vec![policy(
                "Fast",
                vec![target("medium", Some(h(1)), None, None)],
            )],
        )
        .await
        .unwrap();
    f.desk
        .add_preset(f.ws, Preset::OverdueReminder { every: None })
        .await
        .unwrap();
    let t0 = f.clock.now();
    let t = f.open("late").await;
    assert_eq!(t.timers.due, None);
    let run = |hours: i64| {
        let f = f.clone();
        async move {
            f.desk
                .run_automations(f.ws, t0 + h(hours))
                .await
                .unwrap()
                .fired
                .len()
        }
    };
    // The sweep at +2 h records the breach (at +1 h); reminders follow every 6 h.
    assert_eq!(run(2).await, 0);
    assert_eq!(
        f.desk.get_ticket(f.ws, t.id).await.unwrap().timers.due,
        Some(t0 + h(7))
    );
    assert_eq!(run(6).await, 0);
    assert_eq!(run(7).await, 1);
    assert_eq!(run(12).await, 0);
    assert_eq!(run(13).await, 1);
    let counts: Vec<u32> = f
        .all_events()
        .await
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::OverdueReminder { count, .. } => Some(count),
            _ => None,
        })
        .collect();
    assert_eq!(counts, vec![1, 2]);
    // Once resolved it no longer holds: no more reminders.
    f.clock.set(t0 + h(14));
    f.desk.resolve(f.ws, t.id, f.agent_actor()).await.unwrap();
    assert_eq!(run(19).await, 0);
    assert_eq!(run(40).await, 0);
}

pub async fn bad_time_rules_change_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let before = f.snapshot().await;
    let timed = |after: TimeDelta| Rule {
        name: "x".into(),
        after: Some(Elapsed {
            since: Since::Resolved,
            after,
            business_hours: false,
            repeat_every: None,
        }),
        actions: vec![RuleAction::SetStatus(Status::Closed)],
        ..Rule::default()
    };
    let mut both = timed(h(1));
    both.on = vec![automation::Trigger::TicketCreated];
    assert_code(f.desk.set_rules(f.ws, vec![both]).await, "invalid_input");
    let short = f
        .desk
        .set_rules(f.ws, vec![timed(TimeDelta::seconds(10))])
        .await;
    match short {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "rules[0].after.after"),
        other => panic!("{other:?}"),
    }
    let mut escalate = timed(h(1));
    escalate.actions = vec![RuleAction::Escalate {
        team: Some(TeamId::generate()),
        to_lead: true,
        raise_priority: false,
    }];
    assert_code(f.desk.set_rules(f.ws, vec![escalate]).await, "not_found");
    let reply = Preset::AutoReply {
        template: TemplateId::generate(),
    };
    assert_code(f.desk.add_preset(f.ws, reply).await, "not_found");
    assert_eq!(f.snapshot().await, before);
}

pub async fn auto_reply_promises_the_due_time_in_the_customers_zone(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let mut c = CustomerInput::new(f.customer.clone(), "Carol Customer");
    c.timezone = Some("Europe/Berlin".into());
    f.desk.put_customer(f.ws, c.clone()).await.unwrap();
    c.timezone = Some("Europe/Narnia".into());
    assert_code(f.desk.put_customer(f.ws, c).await, "invalid_input");
    f.desk
        .set_sla_policies(
            f.ws,
            vec![policy(
                "Fast",
                vec![target("medium", Some(h(2)), None, None)],
            )],
        )
        .await
        .unwrap();
    let body = "{{ ticket.number }} ({{ ticket.priority }}): we answer by \
                {{ ticket.sla.clocks[0].due_at|datetime(customer.timezone, '%H:%M %Z') }}";
    let input = TemplateInput {
        name: "Ack".into(),
        body: body.into(),
        ..Default::default()
    };
    let tpl = f.desk.create_template(f.ws, input).await.unwrap();
    f.desk
        .add_preset(f.ws, Preset::AutoReply { template: tpl.id })
        .await
        .unwrap();
    // Monday 08:00 UTC + 2 h = 10:00 UTC = 11:00 in Berlin (CET).
    let t = f.open("help").await;
    let thread = f.desk.thread(f.ws, t.id, View::Customer).await.unwrap();
    assert_eq!(
        thread.messages[1].body,
        format!("{} (medium): we answer by 11:00 CET", t.number)
    );
}

pub async fn a_rule_since_the_last_update_fires_once(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let rule = Rule {
        name: "Stale".into(),
        after: Some(Elapsed {
            since: Since::Updated,
            after: TimeDelta::days(3),
            business_hours: false,
            repeat_every: None,
        }),
        actions: vec![RuleAction::Emit("stale".into())],
        ..Rule::default()
    };
    f.desk.set_rules(f.ws, vec![rule]).await.unwrap();
    let t = f.open("quiet").await;
    let at = t.updated_at;
    let run = |d: TimeDelta| {
        let f = f.clone();
        async move {
            f.desk
                .run_automations(f.ws, at + d)
                .await
                .unwrap()
                .fired
                .len()
        }
    };
    assert_eq!(run(TimeDelta::days(3)).await, 1);
    assert_eq!(run(TimeDelta::days(3) + TimeDelta::hours(1)).await, 0);
    assert_eq!(run(TimeDelta::days(9)).await, 0);
    assert_eq!(count(&f, "automation.event").await, 1);
}
