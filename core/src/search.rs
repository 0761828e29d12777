//! Ticket search: the words of a text as search terms, and queries as people
//! type them in a search box.
//!
//! Both backends index and match the **same terms**, made here: a text is
//! split into runs of letters and digits (any script), lowercased, `ё`
//! folded to `е`, and stemmed with the Snowball stemmer of the word's script
//! (Cyrillic words: Russian; Latin: English; others as they are), so
//! `payments` finds `payment` and `платежи` finds `платёж`. PostgreSQL stores
//! them as a `tsvector` of the `simple` configuration (no further stemming)
//! and matches the query this module builds; the memory backend keeps an
//! inverted index of them. So a query finds the same tickets on both.
//!
//! Query syntax: words (all must occur), `"quoted phrases"`, `or` between
//! two terms, `-word` or `-"phrase"` to exclude, `word*` for a prefix (the
//! last word too when typing, with `as_you_type`).
//!
//! ```
//! use ticketry_core::search::{terms, Query};
//! assert_eq!(terms("Payments FAILED; платежи"), ["payment", "fail", "платеж"]);
//! let q = Query::parse("\"card declined\" -refund visa or mastercard", false).unwrap().unwrap();
//! assert_eq!(q.to_tsquery(), "('card' <-> 'declin') & ('visa' | 'mastercard') & !'refund'");
//! ```

use crate::error::{Error, Result};
use rust_stemmers::{Algorithm, Stemmer};
use std::sync::LazyLock;

/// Longest query, in characters.
pub const MAX_QUERY: usize = 500;
/// Most terms (words, phrase words) one query may hold.
pub const MAX_TERMS: usize = 32;
/// Longest indexed word, in bytes (longer runs are cut).
const MAX_WORD: usize = 64;

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));
static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));

/// The search term of one word (already a run of letters and digits).
fn term(word: &str) -> String {
    let lower: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect();
    let cyrillic = lower
        .chars()
        .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    let latin = lower.chars().any(|c| c.is_ascii_alphabetic());
    let stemmed = if cyrillic {
        RUSSIAN.stem(&lower).into_owned()
    } else if latin {
        ENGLISH.stem(&lower).into_owned()
    } else {
        lower
    };
    let mut cut = stemmed;
    if cut.len() > MAX_WORD {
        let mut end = MAX_WORD;
        while !cut.is_char_boundary(end) {
            end -= 1;
        }
        cut.truncate(end);
    }
    cut
}

/// The words of `text`: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The search terms of `text`, in order (positions matter for phrases).
pub fn terms(text: &str) -> Vec<String> {
    words(text).map(term).collect()
}

/// Common words that say nothing about a text's subject (English and
/// Russian), as typed; [`is_stop_word`] compares their terms.
const STOP_WORDS: &str = "a an and are as at be been but by can could did do does for from had has \
    have how i if in into is it its me my no not of on or our she so that the their them then there \
    they this to too was we were what when where which who why will with would you your \
    а без бы был была были было в вам вас весь во вот все всё вы где да для до его ее её если есть \
    еще ещё же за и из или им их к как ко когда кто ли мне мой мы на над не нет ни но ну о об он она \
    они оно от по при с со так там то тоже ты у уже что чтобы эта эти это я";

static STOP_TERMS: LazyLock<std::collections::HashSet<String>> =
    LazyLock::new(|| terms(STOP_WORDS).into_iter().collect());

/// Whether `term` (a search term, as [`terms`] makes) is a common word such
/// as `my` or `the`, which suggestions do not count.
///
/// ```
/// use ticketry_core::search::{is_stop_word, terms};
/// let t = terms("my payment");
/// assert!(is_stop_word(&t[0]) && !is_stop_word(&t[1]));
/// ```
pub fn is_stop_word(term: &str) -> bool {
    STOP_TERMS.contains(term)
}

/// Most terms one text (a subject and description, a message) adds to a
/// ticket's index: the rest of a huge text is not searchable.
pub const MAX_INDEXED_TERMS: usize = 2_000;

/// Most terms of one view (public messages, notes) a ticket keeps in the
/// memory backend's index; PostgreSQL stops adding at about 900 kB of
/// `tsvector` (its limit is 1 MB). Beyond, new messages are not searchable.
pub const MAX_VIEW_TERMS: usize = 60_000;

/// The terms a ticket indexes for `text`: its first [`MAX_INDEXED_TERMS`].
pub fn index_terms(text: &str) -> Vec<String> {
    words(text).take(MAX_INDEXED_TERMS).map(term).collect()
}

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A term; with `prefix`, any term starting with it.
    Term {
        /// The term.
        term: String,
        /// Matches terms that start with it.
        prefix: bool,
    },
    /// Terms in this order, adjacent.
    Phrase(Vec<String>),
}

/// A parsed query: every group must match (AND), a group matches when any
/// of its clauses does (OR); `exclude` clauses must not match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Groups of alternatives, all required.
    pub all: Vec<Vec<Clause>>,
    /// Clauses that must not match.
    pub exclude: Vec<Clause>,
}

impl Query {
    /// Parses a search box's text. `as_you_type`: the last word, when the
    /// text does not end with a space, matches as a prefix. `None` when the
    /// query holds nothing to look for (only exclusions, or no word).
    pub fn parse(text: &str, as_you_type: bool) -> Result<Option<Query>> {
        if text.chars().count() > MAX_QUERY {
            return Err(Error::invalid_input(
                "query",
                format!("at most {MAX_QUERY} characters"),
            ));
        }
        // Tokens: (excluded, clause) and `or` markers.
        enum Tok {
            Or,
            Clause(bool, Clause),
        }
        let mut toks = Vec::new();
        let mut rest = text;
        let mut count = 0;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let negated = rest.starts_with('-');
            let body = if negated { &rest[1..] } else { rest };
            if let Some(quoted) = body.strip_prefix('"') {
                // A phrase up to the closing quote (or the end: unbalanced).
                let end = quoted.find('"').unwrap_or(quoted.len());
                let phrase = terms(&quoted[..end]);
                count += phrase.len();
                rest = quoted.get(end + 1..).unwrap_or("");
                match phrase.len() {
                    0 => {}
                    1 => toks.push(Tok::Clause(
                        negated,
                        Clause::Term {
                            term: phrase.into_iter().next().unwrap_or_default(),
                            prefix: false,
                        },
                    )),
                    _ => toks.push(Tok::Clause(negated, Clause::Phrase(phrase))),
                }
                continue;
            }
            let end = body.find(char::is_whitespace).unwrap_or(body.len());
            let raw = &body[..end];
            rest = &body[end..];
            if !negated && raw.eq_ignore_ascii_case("or") {
                toks.push(Tok::Or);
                continue;
            }
            let starred = raw.ends_with('*');
            let last = rest.is_empty() && as_you_type && !negated;
            let parts = terms(raw);
            count += parts.len();
            match parts.len() {
                0 => {}
                1 => {
                    let word = parts.into_iter().next().unwrap_or_default();
                    // A prefix is what the typed word and its stem share
                    // (`pay*` finds `payment`, `payments*` finds `payment`).
                    let (term, prefix) = if starred || last {
                        (common_prefix(&fold(raw), &word), true)
                    } else {
                        (word, false)
                    };
                    if term.is_empty() {
                        continue;
                    }
                    toks.push(Tok::Clause(negated, Clause::Term { term, prefix }));
                }
                // `e-mail`, `TKT-2026-00042`: its words as a phrase.
                _ => toks.push(Tok::Clause(negated, Clause::Phrase(parts))),
            }
        }
        if count > MAX_TERMS {
            return Err(Error::invalid_input(
                "query",
                format!("at most {MAX_TERMS} words"),
            ));
        }
        let mut q = Query::default();
        let mut join = false;
        for tok in toks {
            match tok {
                Tok::Or => join = true,
                Tok::Clause(true, c) => {
                    q.exclude.push(c);
                    join = false;
                }
                Tok::Clause(false, c) => {
                    match q.all.last_mut() {
                        Some(group) if join => group.push(c),
                        _ => q.all.push(vec![c]),
                    }
                    join = false;
                }
            }
        }
        Ok((!q.all.is_empty()).then_some(q))
    }

    /// The query as a PostgreSQL `tsquery` literal of quoted lexemes (taken
    /// as they are: terms are letters and digits, nothing to escape).
    pub fn to_tsquery(&self) -> String {
        let clause = Clause::to_tsquery;
        let mut parts: Vec<String> = self
            .all
            .iter()
            .map(|g| match g.as_slice() {
                [one] => clause(one),
                many => format!(
                    "({})",
                    many.iter().map(clause).collect::<Vec<_>>().join(" | ")
                ),
            })
            .collect();
        parts.extend(self.exclude.iter().map(|c| format!("!{}", clause(c))));
        parts.join(" & ")
    }

    /// Its exclusions as one `tsquery` literal matching a document that has
    /// any of them (`None` without exclusions).
    pub fn exclusions_tsquery(&self) -> Option<String> {
        (!self.exclude.is_empty()).then(|| {
            self.exclude
                .iter()
                .map(Clause::to_tsquery)
                .collect::<Vec<_>>()
                .join(" | ")
        })
    }

    /// Whether a document of `terms` has one of the excluded clauses.
    pub fn excludes(&self, terms: &[String]) -> bool {
        self.exclude.iter().any(|c| c.matches(terms))
    }

    /// Whether the query matches a document of `terms` (in order).
    pub fn matches(&self, terms: &[String]) -> bool {
        self.all.iter().all(|g| g.iter().any(|c| c.matches(terms)))
            && !self.exclude.iter().any(|c| c.matches(terms))
    }

    /// Every term the query looks for (for highlighting).
    pub fn wanted(&self) -> Vec<&Clause> {
        self.all.iter().flatten().collect()
    }

    /// A ticket's relevance to the query: for each wanted clause, 2 when its
    /// subject or description (`head`) has it, plus 1 when its messages
    /// (`body`) have it. PostgreSQL computes the same from its `tsvector`s.
    ///
    /// ```
    /// use ticketry_core::search::{terms, Query};
    /// let q = Query::parse("refund card", false).unwrap().unwrap();
    /// assert_eq!(q.score(&terms("Refund please"), &terms("my card, my refund")), 4);
    /// ```
    pub fn score(&self, head: &[String], body: &[String]) -> u32 {
        self.wanted()
            .iter()
            .map(|c| 2 * u32::from(c.matches(head)) + u32::from(c.matches(body)))
            .sum()
    }
}

impl Clause {
    /// Whether a document of `terms` (in order) has this clause.
    pub fn matches(&self, terms: &[String]) -> bool {
        match self {
            Clause::Term { term, prefix: true } => {
                terms.iter().any(|t| t.starts_with(term.as_str()))
            }
            Clause::Term { term, .. } => terms.iter().any(|t| t == term),
            Clause::Phrase(p) => !p.is_empty() && terms.windows(p.len()).any(|w| w == p.as_slice()),
        }
    }

    /// The clause as a `tsquery` literal (see [`Query::to_tsquery`]).
    pub fn to_tsquery(&self) -> String {
        match self {
            Clause::Term { term, prefix: true } => format!("'{term}':*"),
            Clause::Term { term, .. } => format!("'{term}'"),
            Clause::Phrase(p) => format!(
                "({})",
                p.iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            ),
        }
    }
}

/// Lowercased and `ё`-folded, letters and digits only (a prefix as typed).
fn fold(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// The longest common prefix of `a` and `b`, on char boundaries.
fn common_prefix(a: &str, b: &str) -> String {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// `terms` as a PostgreSQL `tsvector` literal, each with its positions
/// (from 1; PostgreSQL keeps positions up to 16 383).
pub fn tsvector(terms: &[String]) -> String {
    use std::collections::BTreeMap;
    let mut at: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, t) in terms.iter().enumerate() {
        at.entry(t.as_str()).or_default().push((i + 1).min(16_383));
    }
    let mut out = String::new();
    for (t, positions) in at {
        if !out.is_empty() {
            out.push(' ');
        }
        let ps: Vec<String> = positions.iter().map(usize::to_string).collect();
        out.push_str(&format!("'{t}':{}", ps.join(",")));
    }
    out
}

/// A short extract of `text` around the first word `query` looks for, with
/// the matching words between `[` and `]`; `None` when no word matches.
pub fn snippet(text: &str, query: &Query) -> Option<String> {
    let wanted = query.wanted();
    let hit = |w: &str| {
        let t = term(w);
        wanted.iter().any(|c| match c {
            Clause::Term { term, prefix: true } => t.starts_with(term.as_str()),
            Clause::Term { term, .. } => &t == term,
            Clause::Phrase(p) => p.contains(&t),
        })
    };
    // Each word's byte span, from its real offset (separators may be
    // several bytes long: `—`, `«`, a no-break space).
    let spans: Vec<(usize, usize)> = words(text)
        .filter(|w| hit(w))
        .map(|w| {
            let start = w.as_ptr() as usize - text.as_ptr() as usize;
            (start, start + w.len())
        })
        .collect();
    let &(first, _) = spans.first()?;
    // About 60 characters of context on each side, on char boundaries.
    let mut from = first.saturating_sub(60);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (first + 120).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for &(s, e) in spans.iter().filter(|(s, e)| *s >= from && *e <= to) {
        out.push_str(&text[at..s]);
        out.push('[');
        out.push_str(&text[s..e]);
        out.push(']');
        at = e;
    }
    out.push_str(&text[at..to]);
    if to < text.len() {
        out.push('…');
    }
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query::parse(s, false).unwrap().unwrap()
    }

    #[test]
    fn stems_both_scripts() {
        assert_eq!(terms("платёж платежи"), ["платеж", "платеж"]);
        assert_eq!(terms("refunds Refunded"), ["refund", "refund"]);
        assert_eq!(terms("TKT-2026-00042"), ["tkt", "2026", "00042"]);
    }

    #[test]
    fn queries_as_typed() {
        let doc = terms("My card was declined twice; платёж не прошёл");
        assert!(q("card declined").matches(&doc));
        assert!(q("\"card was declined\"").matches(&doc));
        assert!(!q("\"declined card\"").matches(&doc));
        assert!(q("платежи").matches(&doc));
        assert!(!q("card -declined").matches(&doc));
        assert!(q("visa or card").matches(&doc));
        assert!(q("decl*").matches(&doc));
        assert!(Query::parse("car", true).unwrap().unwrap().matches(&doc));
        assert!(!Query::parse("car ", true).unwrap().unwrap().matches(&doc));
        assert_eq!(Query::parse("-card", false).unwrap(), None);
        assert_eq!(Query::parse("  &|!:*()'\\ ", false).unwrap(), None);
        assert_eq!(
            q("\"unbalanced quote").to_tsquery(),
            "('unbalanc' <-> 'quot')"
        );
        assert_eq!(q("it's").to_tsquery(), "('it' <-> 's')");
        assert!(Query::parse(&"x".repeat(501), false).is_err());
        assert!(Query::parse(&"a ".repeat(40), false).is_err());
    }

    #[test]
    fn snippets_survive_wide_separators() {
        let text = "Оплата — не прошла «вчера»\u{a0}и сегодня’s";
        assert_eq!(
            snippet(text, &q("прошла сегодня")).unwrap(),
            "Оплата — не [прошла] «вчера» и [сегодня]’s"
        );
    }

    #[test]
    fn snippets_mark_the_words() {
        let text = "Hello, my card was declined at the shop";
        assert_eq!(
            snippet(text, &q("declined")).unwrap(),
            "Hello, my card was [declined] at the shop"
        );
        assert_eq!(snippet(text, &q("refund")), None);
    }
}
