//! Automation rules fired by ticket changes, on every backend.

use super::fixture::{Fixture, assert_code, assert_field};
use crate::automation::{Condition, Rule, RuleAction, Trigger};
use crate::store::Store;
use crate::*;
use std::sync::Arc;

fn rule(name: &str, on: Trigger, conditions: Vec<Condition>, actions: Vec<RuleAction>) -> Rule {
    Rule {
        name: name.into(),
        on: vec![on],
        conditions,
        actions,
        ..Rule::default()
    }
}

/// `automation.applied` events after `seq`: (rule, actions, skipped).
async fn applied(f: &Fixture, after: u64) -> Vec<(String, Vec<String>, Vec<String>)> {
    f.all_events()
        .await
        .into_iter()
        .filter(|e| e.seq > after)
        .filter_map(|e| match e.kind {
            EventKind::AutomationApplied {
                rule,
                actions,
                skipped,
            } => Some((rule, actions, skipped)),
            _ => None,
        })
        .collect()
}

async fn template(f: &Fixture, body: &str) -> TemplateId {
    let input = TemplateInput {
        name: format!("t{}", body.len()),
        body: body.into(),
        ..Default::default()
    };
    f.desk.create_template(f.ws, input).await.unwrap().id
}

pub async fn rules_route_by_words_and_category(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let parent = f.category("Lessons", None).await;
    let child = f.category("Zoom", Some(parent.id)).await;
    let rules = vec![
        rule(
            "Payments",
            Trigger::TicketCreated,
            vec![Condition::Words(vec!["payment".into(), "оплата".into()])],
            vec![
                RuleAction::SetPriority("high".into()),
                RuleAction::AddTag("billing".into()),
                RuleAction::AssignTeam(f.team),
            ],
        ),
        rule(
            "Lessons to Bob",
            Trigger::TicketCreated,
            vec![Condition::Category(vec![parent.id])],
            vec![RuleAction::Assign(f.agent.clone())],
        ),
    ];
    assert_eq!(f.desk.set_rules(f.ws, rules.clone()).await.unwrap(), rules);
    assert_eq!(f.desk.list_rules(f.ws).await.unwrap(), rules);
    let after = f.last_seq().await;
    let ru = f.open("Не проходит ОПЛАТА картой").await;
    assert_eq!(
        (ru.priority.as_str(), ru.tags.as_slice(), ru.team),
        ("high", &["billing".to_owned()][..], Some(f.team))
    );
    let en = f.open("My payment failed").await;
    assert_eq!(en.priority, "high");
    let none = f.open("Pay day question").await;
    assert_eq!(
        (none.priority.as_str(), none.team),
        ("medium", None),
        "whole words only"
    );
    let fired = applied(&f, after).await;
    assert_eq!(fired.len(), 2);
    assert_eq!(fired[0].0, "Payments");
    assert_eq!(fired[0].1, ["set_priority", "add_tag", "assign_team"]);
    // A category rule covers its descendants.
    let mut input = OpenTicket::new(f.customer.clone(), "Sound", "No audio");
    input.category = Some(child.id);
    let zoom = f.desk.open_ticket(f.ws, input).await.unwrap();
    assert_eq!(zoom.assignee.as_ref(), Some(&f.agent));
    // The SLA clock follows the priority the rule set.
    let high = f
        .desk
        .list_priorities(f.ws)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.code == "high")
        .unwrap();
    let due = ru
        .sla
        .clocks
        .iter()
        .find(|c| c.metric == sla::SlaMetric::FirstResponse)
        .unwrap()
        .due_at;
    assert_eq!(due, Some(ru.created_at + high.first_response.unwrap()));
}

pub async fn auto_reply_names_the_new_number(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let tpl = template(
        &f,
        "Hello {{ customer.name }}, we got {{ ticket.number }} ({{ ticket.priority }}); first answer by {{ ticket.sla.due_at }}.",
    )
    .await;
    let note = template(&f, "Opened via {{ ticket.channel }}").await;
    let rules = vec![rule(
        "Auto-reply",
        Trigger::TicketCreated,
        vec![],
        vec![RuleAction::Reply(tpl), RuleAction::Note(note)],
    )];
    f.desk.set_rules(f.ws, rules).await.unwrap();
    let t = f.open("Hello").await;
    let thread = f.desk.thread(f.ws, t.id, View::Customer).await.unwrap();
    assert_eq!(thread.messages.len(), 2, "the note stays internal");
    let reply = &thread.messages[1];
    assert_eq!(
        (reply.kind, &reply.author),
        (MessageKind::System, &Actor::System)
    );
    assert!(reply.body.contains(&t.number), "{}", reply.body);
    assert!(reply.body.contains("(medium)"), "{}", reply.body);
    let due = t.sla.due_at().unwrap();
    assert!(
        reply
            .body
            .contains(&due.format("%Y-%m-%dT%H:%M").to_string()),
        "{}",
        reply.body
    );
    let agent_view = f.desk.thread(f.ws, t.id, View::Agent).await.unwrap();
    assert_eq!(agent_view.messages[2].body, "Opened via web");
    // A system reply is no response: the first-response clock still runs.
    assert_eq!(
        f.desk
            .get_ticket(f.ws, t.id)
            .await
            .unwrap()
            .first_response_at,
        None
    );
}

pub async fn rules_run_in_order_stop_and_never_loop(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let first = Rule {
        stop: true,
        ..rule(
            "VIP first",
            Trigger::CustomerMessage,
            vec![Condition::Words(vec!["urgent".into()])],
            vec![RuleAction::SetPriority("urgent".into())],
        )
    };
    let second = rule(
        "Also urgent",
        Trigger::CustomerMessage,
        vec![Condition::Words(vec!["urgent".into()])],
        vec![RuleAction::AddTag("never".into())],
    );
    let on_priority = rule(
        "Escalated",
        Trigger::PriorityChanged,
        vec![],
        vec![
            RuleAction::AddTag("escalated".into()),
            RuleAction::Emit("notify:leads".into()),
        ],
    );
    f.desk
        .set_rules(f.ws, vec![first, second, on_priority])
        .await
        .unwrap();
    let t = f.open("Question").await;
    let after = f.last_seq().await;
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "This is URGENT now".into())
        .await
        .unwrap();
    let t1 = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    // The rule's own priority change fires no rule: no loop, no "escalated".
    assert_eq!((t1.priority.as_str(), t1.tags.len()), ("urgent", 0));
    assert_eq!(
        applied(&f, after)
            .await
            .iter()
            .map(|a| a.0.as_str())
            .collect::<Vec<_>>(),
        ["VIP first"]
    );
    // A person's priority change does fire it.
    let after = f.last_seq().await;
    f.desk
        .set_priority(f.ws, t.id, "low", f.agent_actor())
        .await
        .unwrap();
    let t2 = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(t2.tags, ["escalated"]);
    assert_eq!(t2.version, t1.version + 1, "one write");
    let emitted: Vec<_> = f
        .all_events()
        .await
        .into_iter()
        .filter(|e| e.seq > after)
        .filter_map(|e| match e.kind {
            EventKind::AutomationEvent { name, rule } => Some((name, rule)),
            _ => None,
        })
        .collect();
    assert_eq!(
        emitted,
        [("notify:leads".to_owned(), "Escalated".to_owned())]
    );
}

pub async fn rule_actions_that_cannot_apply_are_skipped(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let rules = vec![rule(
        "To Bob, then resolve",
        Trigger::AgentReply,
        vec![],
        vec![
            RuleAction::Assign(f.agent2.clone()),
            RuleAction::SetStatus(Status::New),
        ],
    )];
    f.desk.set_rules(f.ws, rules).await.unwrap();
    let agent2 = f.desk.get_agent(f.ws, &f.agent2).await.unwrap();
    let input = AgentInput {
        active: false,
        ..AgentInput::new(agent2.id.clone(), agent2.name.clone())
    };
    f.desk.put_agent(f.ws, input).await.unwrap();
    let t = f.open("x").await;
    let after = f.last_seq().await;
    f.desk
        .reply(f.ws, t.id, &f.agent, "On it".into())
        .await
        .unwrap();
    let t = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!((t.assignee, t.status), (None, Status::Open));
    assert_eq!(
        applied(&f, after).await,
        [(
            "To Bob, then resolve".to_owned(),
            vec![],
            vec!["assign".to_owned(), "set_status".to_owned()]
        )]
    );
}

pub async fn bad_rules_change_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let good = rule(
        "Good",
        Trigger::TicketCreated,
        vec![],
        vec![RuleAction::AddTag("x".into())],
    );
    f.desk.set_rules(f.ws, vec![good.clone()]).await.unwrap();
    let before = f.snapshot().await;
    let with = |r: Rule| vec![good.clone(), r];
    let ghost = rule(
        "Ghost",
        Trigger::TicketCreated,
        vec![],
        vec![RuleAction::Assign(AgentId::new("ghost").unwrap())],
    );
    assert_code(f.desk.set_rules(f.ws, with(ghost)).await, "not_found");
    // A condition's category must exist, in `conditions` and in `any`.
    let unknown = vec![CategoryId::generate()];
    let in_conditions = rule(
        "Unknown category",
        Trigger::TicketCreated,
        vec![Condition::Category(unknown.clone())],
        vec![RuleAction::AddTag("y".into())],
    );
    let in_any = Rule {
        any: vec![Condition::Category(unknown)],
        ..in_conditions.clone()
    };
    for r in [in_conditions, in_any] {
        assert_code(f.desk.set_rules(f.ws, with(r)).await, "not_found");
    }
    let prio = rule(
        "Prio",
        Trigger::TicketCreated,
        vec![],
        vec![RuleAction::SetPriority("p9".into())],
    );
    let cases: Vec<(Vec<Rule>, &str)> = vec![
        (with(prio), "rules[1].actions[0]"),
        (
            with(rule("Empty", Trigger::TicketCreated, vec![], vec![])),
            "rules[1].actions",
        ),
        (with(good.clone()), "rules[1].name"),
        (
            with(Rule {
                on: vec![],
                ..rule(
                    "No trigger",
                    Trigger::TicketCreated,
                    vec![],
                    vec![RuleAction::AddTag("x".into())],
                )
            }),
            "rules[1].on",
        ),
        (
            with(rule(
                "Words",
                Trigger::TicketCreated,
                vec![Condition::Words(vec!["!?".into()])],
                vec![RuleAction::AddTag("x".into())],
            )),
            "rules[1].conditions[0]",
        ),
        (
            with(rule(
                "Tag",
                Trigger::TicketCreated,
                vec![],
                vec![RuleAction::AddTag("Not A Slug".into())],
            )),
            "rules[1].actions[0]",
        ),
    ];
    for (rules, field) in cases {
        assert_field(f.desk.set_rules(f.ws, rules).await, field);
    }
    assert_eq!(f.snapshot().await, before);
}

pub async fn sla_breach_escalates_to_the_policy_team(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let escalation = TeamInput {
        name: "Escalations".into(),
        members: vec![f.agent2.clone()],
        ..Default::default()
    };
    let escalation = f.desk.create_team(f.ws, escalation).await.unwrap();
    let mut policy = SlaPolicy::new(PolicyId::generate(), "Escalating");
    policy.targets = vec![sla::PolicyTarget {
        priority: "medium".into(),
        first_response: Some(chrono::TimeDelta::hours(1)),
        next_response: None,
        resolution: None,
    }];
    policy.escalate_to = Some(escalation.id);
    f.desk.set_sla_policies(f.ws, vec![policy]).await.unwrap();
    let t = f.open("slow").await;
    let t = f
        .desk
        .assign(f.ws, t.id, Assign::to(f.agent.clone()), f.agent_actor())
        .await
        .unwrap();
    f.desk
        .sla_sweep(f.ws, t.created_at + chrono::TimeDelta::minutes(59))
        .await
        .unwrap();
    assert_eq!(f.desk.get_ticket(f.ws, t.id).await.unwrap().team, None);
    let at = t.created_at + chrono::TimeDelta::hours(2);
    let report = f.desk.sla_sweep(f.ws, at).await.unwrap();
    assert_eq!(
        report
            .alerts
            .iter()
            .filter(|a| a.kind == AlertKind::Breached)
            .count(),
        1
    );
    let after = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(
        (after.team, after.assignee.as_ref()),
        (Some(escalation.id), Some(&f.agent))
    );
    let history = f.desk.assignment_history(f.ws, t.id).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.action, last.reason.as_deref(), last.by.clone()),
        (
            AssignmentAction::Escalated,
            Some("sla breach: first_response"),
            Actor::System
        )
    );
    // Once: sweeping again escalates nothing more.
    f.desk
        .sla_sweep(f.ws, at + chrono::TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(
        f.desk.assignment_history(f.ws, t.id).await.unwrap().len(),
        history.len()
    );
    // An unknown team is refused when the policy is saved.
    let mut bad = SlaPolicy::new(PolicyId::generate(), "Bad");
    bad.escalate_to = Some(TeamId::generate());
    assert_code(f.desk.set_sla_policies(f.ws, vec![bad]).await, "not_found");
    // So is an unknown category in its conditions.
    let mut bad = SlaPolicy::new(PolicyId::generate(), "Bad");
    bad.conditions.categories = vec![CategoryId::generate()];
    assert_code(f.desk.set_sla_policies(f.ws, vec![bad]).await, "not_found");
}

pub async fn rules_and_sla_agree(store: Arc<dyn Store>) {
    use chrono::TimeDelta;
    let f = Fixture::new(store).await;
    let shout = template(&f, "{{ ticket.number|upper }}").await;
    let rules = vec![
        rule(
            "Spam",
            Trigger::TicketCreated,
            vec![Condition::Words(vec!["viagra".into()])],
            vec![RuleAction::SetStatus(Status::Cancelled)],
        ),
        rule(
            "Shout",
            Trigger::TicketCreated,
            vec![Condition::Words(vec!["shout".into()])],
            vec![RuleAction::Reply(shout)],
        ),
    ];
    f.desk.set_rules(f.ws, rules).await.unwrap();
    // A ticket a rule cancels at creation has no running clock to sweep.
    let spam = f.open("Cheap viagra").await;
    assert_eq!(spam.status, Status::Cancelled);
    assert!(
        spam.sla.clocks.iter().all(|c| !c.is_running()),
        "{:?}",
        spam.sla
    );
    let report = f
        .desk
        .sla_sweep(f.ws, spam.created_at + TimeDelta::days(30))
        .await
        .unwrap();
    assert!(report.alerts.iter().all(|a| a.ticket_id != spam.id));
    // A filter that mangles the number's mark: the reply is skipped, never shown.
    let loud = f.open("shout please").await;
    let thread = f.desk.thread(f.ws, loud.id, View::Customer).await.unwrap();
    assert_eq!(thread.messages.len(), 1);
    // The mark is reserved: user text with it is refused.
    let mut marked = MessageInput::text("see \u{E000}ticket.number\u{E000}");
    marked.html = None;
    match f
        .desk
        .customer_message(f.ws, loud.id, &f.customer, marked)
        .await
    {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "body"),
        other => panic!("expected invalid_input, got {other:?}"),
    }
}

pub async fn a_breach_found_by_any_change_escalates(store: Arc<dyn Store>) {
    use chrono::TimeDelta;
    let f = Fixture::new(store).await;
    let team = TeamInput {
        name: "Escalations".into(),
        members: vec![f.agent2.clone()],
        ..Default::default()
    };
    let team = f.desk.create_team(f.ws, team).await.unwrap();
    let mut policy = SlaPolicy::new(PolicyId::generate(), "Escalating");
    policy.targets = vec![sla::PolicyTarget {
        priority: "medium".into(),
        first_response: Some(TimeDelta::hours(1)),
        next_response: None,
        resolution: None,
    }];
    policy.escalate_to = Some(team.id);
    f.desk.set_sla_policies(f.ws, vec![policy]).await.unwrap();
    let t = f.open("slow").await;
    f.clock.advance(TimeDelta::hours(2));
    // No sweep: the customer's message finds the breach and escalates.
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "any news?".into())
        .await
        .unwrap();
    let after = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(after.team, Some(team.id));
    let history = f.desk.assignment_history(f.ws, t.id).await.unwrap();
    assert_eq!(history.last().unwrap().action, AssignmentAction::Escalated);
    // A category whose default priority retired falls back to the default.
    let mut prios = f.desk.list_priorities(f.ws).await.unwrap();
    prios
        .iter_mut()
        .filter(|p| p.code == "high")
        .for_each(|p| p.active = false);
    let cat = CategoryInput {
        name: "Payments".into(),
        default_priority: Some("high".into()),
        ..Default::default()
    };
    let cat = f.desk.create_category(f.ws, cat).await.unwrap();
    f.desk.set_priorities(f.ws, prios).await.unwrap();
    let mut input = OpenTicket::new(f.customer.clone(), "refund", "please");
    input.category = Some(cat.id);
    assert_eq!(
        f.desk.open_ticket(f.ws, input).await.unwrap().priority,
        "medium"
    );
    // Values a closed ticket already has are no change.
    let closed = f.desk.close(f.ws, t.id, f.agent_actor()).await.unwrap();
    let same = TicketUpdate {
        subject: Some("slow (fixed)".into()),
        priority: Some(closed.priority.clone()),
        team: closed.team,
        ..Default::default()
    };
    let edited = f
        .desk
        .update_ticket(f.ws, t.id, same, f.agent_actor())
        .await
        .unwrap();
    assert_eq!(edited.subject, "slow (fixed)");
}
