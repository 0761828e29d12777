//! Automation rules (triggers): an ordered list per workspace, each with the
//! changes that fire it, conditions on the ticket and actions to take.
//!
//! A rule is evaluated inside the same atomic write as the change that fired
//! it: the service computes the change, [`fired`] picks the rules whose
//! triggers and conditions hold on the changed ticket, in list order (a rule
//! with `stop` ends the list), and their actions are folded into the write,
//! with one `automation.applied` event per rule. The actions' own changes
//! fire no rule, so rules cannot loop, and each rule fires at most once per
//! change.
//!
//! ```
//! use ticketry_core::automation::{Condition, Rule, RuleAction, Trigger};
//! let payments = Rule {
//!     name: "Payments to billing".into(),
//!     on: vec![Trigger::TicketCreated],
//!     conditions: vec![Condition::Words(vec!["payment".into(), "оплата".into()])],
//!     actions: vec![RuleAction::AddTag("billing".into())],
//!     ..Rule::default()
//! };
//! assert!(payments.active);
//! ```

use crate::error::{Error, Result};
use crate::ids::{AgentId, CategoryId, TeamId, TemplateId};
use crate::ticket::{Channel, Status, Ticket};
use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub mod preset;
pub mod timer;

pub use preset::Preset;
pub use timer::{Elapsed, Since, TimerMark};

/// Most rules in a workspace.
pub const MAX_RULES: usize = 200;
/// Most conditions (each list) and actions in one rule.
pub const MAX_PARTS: usize = 20;
/// Most words or phrases one `words` condition lists.
pub const MAX_WORDS: usize = 100;
/// Most words or phrases all the rules of a workspace list together (each
/// change of a ticket looks for each of them).
pub const MAX_WORDS_TOTAL: usize = 2_000;

/// One automation rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Display name, unique in the workspace (it names the rule in events).
    pub name: String,
    /// Inactive rules are skipped.
    #[serde(default = "crate::people::yes")]
    pub active: bool,
    /// The changes that fire it (at least one, unless `after` is set).
    #[serde(default)]
    pub on: Vec<Trigger>,
    /// Makes it a time rule: it fires when this much time has passed since
    /// an instant of the ticket, at the next `run_automations` (instead of on
    /// a change; `on` must then be empty).
    #[serde(default)]
    pub after: Option<Elapsed>,
    /// Conditions that must all hold.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Conditions of which at least one must hold (when any are listed).
    #[serde(default)]
    pub any: Vec<Condition>,
    /// What it does, in order (at least one).
    pub actions: Vec<RuleAction>,
    /// When it fires, later rules are not evaluated for this change.
    #[serde(default)]
    pub stop: bool,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            name: String::new(),
            active: true,
            on: Vec::new(),
            after: None,
            conditions: Vec::new(),
            any: Vec::new(),
            actions: Vec::new(),
            stop: false,
        }
    }
}

/// A change that fires rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A ticket was opened.
    TicketCreated,
    /// The customer wrote.
    CustomerMessage,
    /// An agent replied publicly.
    AgentReply,
    /// The status changed.
    StatusChanged,
    /// The priority changed.
    PriorityChanged,
    /// The category changed.
    CategoryChanged,
    /// A tag was added or removed.
    TagsChanged,
}

/// A condition on the ticket as the change leaves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Any of these words or phrases, as whole words in any letter case and
    /// script, in the subject, the description or the message that fired it.
    Words(Vec<String>),
    /// The category is one of these or a descendant of one.
    Category(Vec<CategoryId>),
    /// The channel is one of these.
    Channel(Vec<Channel>),
    /// The priority is one of these codes.
    Priority(Vec<String>),
    /// The ticket has any of these tags.
    Tag(Vec<String>),
    /// The customer's tier is one of these.
    CustomerTier(Vec<String>),
    /// The status is one of these.
    Status(Vec<Status>),
    /// A custom field equals a value.
    CustomField {
        /// The field's name.
        name: String,
        /// The value it must equal.
        equals: serde_json::Value,
    },
    /// The customer rated the ticket (`true`) or not yet (`false`).
    Rated(bool),
    /// Some SLA clock of the ticket is breached (`true`) or none is (`false`).
    SlaBreached(bool),
    /// Inside (`true`) or outside (`false`) the business hours of the
    /// ticket's SLA calendar (24/7 without one) when the rule is evaluated.
    BusinessHours(bool),
}

/// An action of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    /// Assign to this agent (active when the rule fires; skipped otherwise).
    Assign(AgentId),
    /// Route to this team.
    AssignTeam(TeamId),
    /// Set the priority.
    SetPriority(String),
    /// Set the category.
    SetCategory(CategoryId),
    /// Set the status (a transition the workflow allows; skipped otherwise).
    SetStatus(Status),
    /// Add a tag.
    AddTag(String),
    /// Remove a tag.
    RemoveTag(String),
    /// Add a public system message rendered from this template (the
    /// auto-reply: `ticket.number`, `ticket.priority`, `ticket.sla`…).
    Reply(TemplateId),
    /// Add an internal note rendered from this template.
    Note(TemplateId),
    /// Record an `automation.event` for the host (`notify:payments`).
    Emit(String),
    /// Assign through the strategy of the ticket's team (or the workspace's
    /// default, least-loaded when neither names one), among its active,
    /// available members with room; the ticket waits in the backlog when
    /// nobody has room.
    AutoAssign,
    /// Escalate: to `team` (default: the ticket's own), to that team's lead
    /// when `to_lead`, and one priority up when `raise_priority`.
    Escalate {
        /// The team to move the ticket to.
        #[serde(default)]
        team: Option<TeamId>,
        /// Assign it to the team's lead.
        #[serde(default)]
        to_lead: bool,
        /// Raise the priority to the next more urgent active one.
        #[serde(default)]
        raise_priority: bool,
    },
    /// Record a reminder event for the host (`ticket.rating_reminder`,
    /// `ticket.overdue_reminder`), with how many times it was sent.
    Remind(Reminder),
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reminder {
    /// Ask the customer to rate a resolved ticket (`ticket.rating_reminder`).
    Rating,
    /// Tell the assignee or team a ticket is overdue (`ticket.overdue_reminder`).
    Overdue,
}

impl RuleAction {
    /// The action's name in events (`assign`, `reply`, …).
    pub fn name(&self) -> &'static str {
        match self {
            RuleAction::Assign(_) => "assign",
            RuleAction::AssignTeam(_) => "assign_team",
            RuleAction::SetPriority(_) => "set_priority",
            RuleAction::SetCategory(_) => "set_category",
            RuleAction::SetStatus(_) => "set_status",
            RuleAction::AddTag(_) => "add_tag",
            RuleAction::RemoveTag(_) => "remove_tag",
            RuleAction::Reply(_) => "reply",
            RuleAction::Note(_) => "note",
            RuleAction::Emit(_) => "emit",
            RuleAction::AutoAssign => "auto_assign",
            RuleAction::Escalate { .. } => "escalate",
            RuleAction::Remind(_) => "remind",
        }
    }
}

/// What a rule's conditions look at besides the ticket.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// The ticket's category and its ancestors, nearest first.
    pub lineage: &'a [CategoryId],
    /// The customer's tier.
    pub tier: Option<&'a str>,
    /// The body of the message that fired the change, if any.
    pub message: Option<&'a str>,
    /// Whether the ticket's SLA calendar is open now (read only when a rule
    /// has a `business_hours` condition).
    pub open: Option<bool>,
}

/// The rules that fire, in order, for a change with `triggers` that leaves
/// the ticket as `t`.
pub fn fired<'r>(
    rules: &'r [Rule],
    triggers: &[Trigger],
    t: &Ticket,
    facts: &Facts<'_>,
) -> Vec<&'r Rule> {
    select(
        rules,
        t,
        facts,
        |r| r.on.iter().any(|tr| triggers.contains(tr)),
        true,
    )
}

/// The active rules, in order, that `chosen` picks and whose conditions hold
/// on `t` (with `stop`, a rule with `stop` ends the list).
pub(crate) fn select<'r>(
    rules: &'r [Rule],
    t: &Ticket,
    facts: &Facts<'_>,
    chosen: impl Fn(&Rule) -> bool,
    stop: bool,
) -> Vec<&'r Rule> {
    let chosen: Vec<&Rule> = rules.iter().filter(|r| r.active && chosen(r)).collect();
    let text = [
        t.subject.as_str(),
        t.description.as_str(),
        facts.message.unwrap_or(""),
    ];
    let found = Phrases::find(&chosen, &text);
    let mut out = Vec::new();
    for rule in chosen {
        let holds = |c: &Condition| c.holds(t, facts, &found);
        if rule.conditions.iter().all(holds) && (rule.any.is_empty() || rule.any.iter().any(holds))
        {
            out.push(rule);
            if stop && rule.stop {
                break;
            }
        }
    }
    out
}

impl Rule {
    /// Whether any of its conditions is of the kind `f` tells.
    pub(crate) fn uses(&self, f: impl Fn(&Condition) -> bool) -> bool {
        self.conditions.iter().chain(&self.any).any(f)
    }
}

impl Condition {
    fn holds(&self, t: &Ticket, facts: &Facts<'_>, found: &Phrases<'_>) -> bool {
        match self {
            Condition::Words(list) => list.iter().any(|w| found.contains(w)),
            Condition::Category(ids) => facts.lineage.iter().any(|c| ids.contains(c)),
            Condition::Channel(list) => list.contains(&t.channel),
            Condition::Priority(list) => list.contains(&t.priority),
            Condition::Tag(list) => list.iter().any(|x| t.tags.contains(x)),
            Condition::CustomerTier(list) => facts
                .tier
                .is_some_and(|tier| list.iter().any(|x| x == tier)),
            Condition::Status(list) => list.contains(&t.status),
            Condition::CustomField { name, equals } => t.custom_fields.get(name) == Some(equals),
            Condition::Rated(rated) => t.satisfaction.is_some() == *rated,
            Condition::SlaBreached(breached) => t.sla.has_breached() == *breached,
            // Unknown (a schedule computed ahead of time) counts as holding.
            Condition::BusinessHours(open) => facts.open.is_none_or(|o| o == *open),
        }
    }
}

/// The lowercase words of `s`: runs of letters and digits, any script.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Which words and phrases of the `words` conditions a ticket's text holds.
///
/// When comparing each phrase at each word of the text could take long (a
/// long text, many long phrases: minutes at the limits), all of them are
/// looked for in one pass over the text instead (an Aho–Corasick automaton),
/// whose cost grows with the text plus the phrases, not with their product.
/// A short text against a few phrases is compared directly: cheaper than
/// building the automaton.
struct Phrases<'r> {
    /// Each phrase as a rule writes it → its index in `found`.
    index: HashMap<&'r str, usize>,
    /// Whether the text holds each phrase.
    found: Vec<bool>,
}

/// A direct search is chosen while its worst case (text words × phrase
/// words compared) stays within this many times the words the automaton
/// would go through (text words + phrase words), or within
/// [`DIRECT_COMPARISONS`].
const DIRECT_FACTOR: usize = 32;
/// See [`DIRECT_FACTOR`] (a fraction of a millisecond).
const DIRECT_COMPARISONS: usize = 20_000;

impl<'r> Phrases<'r> {
    /// Looks for the phrases of `rules` in the parts of a text.
    fn find(rules: &[&'r Rule], text: &[&str]) -> Self {
        let mut index = HashMap::new();
        let mut phrases = Vec::new();
        let listed = rules
            .iter()
            .flat_map(|r| r.conditions.iter().chain(&r.any))
            .filter_map(|c| match c {
                Condition::Words(list) => Some(list),
                _ => None,
            })
            .flatten();
        for phrase in listed {
            if let Entry::Vacant(e) = index.entry(phrase.as_str()) {
                e.insert(phrases.len());
                // A phrase without words is never found.
                phrases.push(words(phrase));
            }
        }
        if phrases.is_empty() {
            // No `words` condition: the text is not even split.
            return Phrases {
                index,
                found: Vec::new(),
            };
        }
        let text: Vec<String> = text.iter().flat_map(|part| words(part)).collect();
        let phrase_words: usize = phrases.iter().map(Vec::len).sum();
        let direct = text.len().saturating_mul(phrase_words);
        let found = if direct <= DIRECT_COMPARISONS.max(DIRECT_FACTOR * (text.len() + phrase_words))
        {
            phrases
                .iter()
                .map(|p| !p.is_empty() && text.windows(p.len()).any(|w| w == p.as_slice()))
                .collect()
        } else {
            in_one_pass(&text, &phrases)
        };
        Phrases { index, found }
    }

    /// Whether the text holds `phrase` (one a rule of `find` lists).
    fn contains(&self, phrase: &str) -> bool {
        self.index.get(phrase).is_some_and(|&i| self.found[i])
    }
}

/// Which of `phrases` occur in `text` (all as words), in one pass: each
/// spelled with a space after every word and one before the first, a phrase
/// occurs as whole words exactly when its spelling is a substring of the
/// text's (words hold no spaces).
fn in_one_pass(text: &[String], phrases: &[Vec<String>]) -> Vec<bool> {
    let spelled = |words: &[String]| {
        let mut out = String::from(" ");
        for w in words {
            out.push_str(w);
            out.push(' ');
        }
        out
    };
    let text = spelled(text);
    // Distinct spellings only (two phrases may differ in case), and none
    // for a phrase without words, which is never found.
    let mut distinct: HashMap<String, usize> = HashMap::new();
    let slots: Vec<Option<usize>> = phrases
        .iter()
        .map(|p| {
            let next = distinct.len();
            (!p.is_empty()).then(|| *distinct.entry(spelled(p)).or_insert(next))
        })
        .collect();
    let mut patterns = vec![String::new(); distinct.len()];
    for (spelling, i) in distinct {
        patterns[i] = spelling;
    }
    let mut seen = vec![false; patterns.len()];
    let automaton = AhoCorasickBuilder::new()
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .build(&patterns)
        .ok();
    let matches = automaton
        .as_ref()
        .and_then(|ac| ac.try_find_overlapping_iter(text.as_str()).ok());
    match matches {
        Some(matches) => {
            let mut left = patterns.len();
            for m in matches {
                let s = &mut seen[m.pattern().as_usize()];
                if !*s {
                    *s = true;
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
        }
        // No automaton (too large to build): a linear substring search
        // for each phrase.
        None => {
            for (s, p) in seen.iter_mut().zip(&patterns) {
                *s = text.contains(p.as_str());
            }
        }
    }
    slots.iter().map(|i| i.is_some_and(|i| seen[i])).collect()
}

/// Checks a rule list: names, sizes, words; the service checks that the
/// ids, codes and templates it names exist.
pub(crate) fn check(rules: &[Rule]) -> Result<()> {
    if rules.len() > MAX_RULES {
        return Err(Error::invalid_input(
            "rules",
            format!("at most {MAX_RULES} rules"),
        ));
    }
    let total: usize = rules
        .iter()
        .flat_map(|r| r.conditions.iter().chain(&r.any))
        .map(|c| match c {
            Condition::Words(list) => list.len(),
            _ => 0,
        })
        .sum();
    if total > MAX_WORDS_TOTAL {
        return Err(Error::invalid_input(
            "rules",
            format!("at most {MAX_WORDS_TOTAL} words and phrases in all rules together"),
        ));
    }
    for (i, r) in rules.iter().enumerate() {
        let at = |f: &str| format!("rules[{i}].{f}");
        crate::validate::text(&at("name"), &r.name, 200)?;
        if rules[..i].iter().any(|o| o.name == r.name) {
            return Err(Error::invalid_input(
                at("name"),
                format!("{:?} is used twice", r.name),
            ));
        }
        if r.after.is_some() && !r.on.is_empty() {
            return Err(Error::invalid_input(
                at("on"),
                "a time rule (with `after`) fires on time, not on changes: leave `on` empty",
            ));
        }
        if let Some(after) = &r.after {
            after.check(&at("after"))?;
        }
        for (field, n, min) in [
            ("on", r.on.len(), usize::from(r.after.is_none())),
            ("conditions", r.conditions.len(), 0),
            ("any", r.any.len(), 0),
            ("actions", r.actions.len(), 1),
        ] {
            if n < min || n > MAX_PARTS {
                return Err(Error::invalid_input(
                    at(field),
                    format!("needs {min} to {MAX_PARTS} entries"),
                ));
            }
        }
        for (j, c) in r.conditions.iter().chain(&r.any).enumerate() {
            let field = if j < r.conditions.len() {
                at(&format!("conditions[{j}]"))
            } else {
                at(&format!("any[{}]", j - r.conditions.len()))
            };
            if let Condition::Words(list) = c
                && (list.is_empty()
                    || list.len() > MAX_WORDS
                    || list.iter().any(|w| words(w).is_empty() || w.len() > 200))
            {
                return Err(Error::invalid_input(
                    &field,
                    format!("1 to {MAX_WORDS} words or phrases, each with a letter or digit"),
                ));
            }
            if let Condition::CustomField { name, equals } = c {
                crate::validate::text(&format!("{field}.name"), name, 200)?;
                // Checked as the one key `equals` of a document: errors name
                // `….equals.<path inside the value>`.
                let doc = serde_json::Map::from_iter([("equals".to_owned(), equals.clone())]);
                crate::validate::json_fields(&field, &doc)?;
            }
        }
        for (j, a) in r.actions.iter().enumerate() {
            let field = at(&format!("actions[{j}]"));
            match a {
                RuleAction::AddTag(t) | RuleAction::RemoveTag(t) => {
                    crate::validate::key(&field, t)?;
                }
                RuleAction::Emit(name) => {
                    crate::validate::key(&field, name)?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Whether `text` holds `phrase`, as a `words` condition sees it.
    fn holds(text: &str, phrase: &str) -> bool {
        let rule = Rule {
            conditions: vec![Condition::Words(vec![phrase.into()])],
            ..Rule::default()
        };
        Phrases::find(&[&rule], &[text]).contains(phrase)
    }

    #[test]
    fn phrases_match_whole_words_in_any_case_and_script() {
        let text = "Не проходит ОПЛАТА картой; payment failed (card)";
        assert!(holds(text, "оплата"));
        assert!(holds(text, "Payment Failed"));
        assert!(holds(text, "картой, payment"));
        assert!(!holds(text, "pay"));
        assert!(!holds(text, "failed payment"));
        assert!(!holds(text, "..."));
        assert!(!holds("", "..."));
        assert!(!holds("ment failed", "payment failed"));
    }

    #[test]
    fn many_long_phrases_in_a_long_text_are_found_in_one_pass() {
        // The case that took minutes when each phrase was compared at each
        // word: 2,000 phrases of 100 words that all but match everywhere.
        let text = "a ".repeat(50_000);
        let phrases: Vec<String> = (0..2_000)
            .map(|i| format!("{} x{i}", "a ".repeat(99)))
            .collect();
        let rules: Vec<Rule> = phrases
            .chunks(MAX_WORDS)
            .map(|list| Rule {
                conditions: vec![Condition::Words(list.to_vec())],
                ..Rule::default()
            })
            .collect();
        let chosen: Vec<&Rule> = rules.iter().collect();
        let found = Phrases::find(&chosen, &[&text]);
        assert!(phrases.iter().all(|p| !found.contains(p)));
        let found = Phrases::find(&chosen, &[&text, "x1999", &text]);
        assert!(found.contains(&phrases[1999]));
        assert!(!found.contains(&phrases[1998]));
    }
}
