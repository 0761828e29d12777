//! Response templates (macros): canned replies with variables, rendered by
//! minijinja (Jinja2 syntax, so Django hosts already know it).
//!
//! A template body is a tenant's content, so it is hostile input: one
//! workspace's template must never stall or crash the process that serves
//! the others. Bodies are therefore checked when saved and rendered under
//! limits (see [`limits`](crate::limits) for the numbers):
//!
//! - **A safe subset of Jinja2**: output (`{{ … }}`), `if`/`elif`/`else` and
//!   `for` over a value of the context (`ticket.tags`, `ticket.custom_fields.items`),
//!   attribute and item access, literals, comparisons, `and`/`or`/`not`,
//!   `+ - / // %`, `~` concatenation, conditional expressions, the tests
//!   (`is defined`, …) and a list of filters that cannot amplify their input.
//!   Not allowed: `set`, `with`, macros, includes, function calls (`range`,
//!   `namespace`, `debug`, method calls), `*` and `**`: the constructs that
//!   build unbounded values without reading the context.
//! - **Bounded parsing**: the body's length, the tokens of one tag and the
//!   nesting of blocks are checked on the token stream before the (recursive)
//!   parser runs, so no body can exhaust the stack.
//! - **Bounded rendering**: instruction fuel, an output cap, a deadline
//!   checked on every read of the context and every loop step, and a work
//!   budget the filters take from before they run (`work.rs`); renders run
//!   on their own threads, at most [`RENDER_THREADS`] at a time, never on
//!   the caller's async workers.

mod work;

use crate::error::{Error, Result};
use crate::ids::{AgentId, CategoryId, TemplateId};
use crate::limits;
use chrono::{DateTime, Utc};
use minijinja::machinery::{Token, ast};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// A canned reply.
///
/// Variables available in `body`: `ticket` (`number`, `subject`, `status`,
/// `priority`, `channel`, `created_at`, `custom_fields`…), `customer` (`id`,
/// `name`, `email`, `tier`), `agent` (`id`, `name`, `email`; the agent the
/// render is for, or the assignee) and `workspace` (`name`, `slug`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Template {
    /// Id.
    pub id: TemplateId,
    /// Display name.
    pub name: String,
    /// Jinja2 body, e.g. `Hello {{ customer.name }}, about {{ ticket.number }}…`.
    pub body: String,
    /// Subject line for replies sent by e-mail (plain text).
    pub subject: Option<String>,
    /// Language code (`en`, `ru`).
    pub language: Option<String>,
    /// Only offered for tickets of these categories (and their children);
    /// empty: offered for every ticket.
    #[serde(default)]
    pub categories: Vec<CategoryId>,
    /// The agent who wrote it.
    pub created_by: Option<AgentId>,
    /// How many times it was rendered for a ticket.
    pub usage_count: u64,
    /// Inactive templates cannot be rendered.
    pub active: bool,
    /// When it was created.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
    /// When it was last updated (`None`: never since created).
    #[serde(default, serialize_with = "crate::time_serde::opt_instant")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Input for creating or updating a template.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    /// Display name.
    pub name: String,
    /// Jinja2 body; rejected with `invalid_input` (field `body`) if it does
    /// not parse or leaves the safe subset (see the module docs).
    pub body: String,
    /// Subject line for e-mail replies.
    pub subject: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// Category filter: offered only for these categories (and their children).
    #[serde(default)]
    pub categories: Vec<CategoryId>,
    /// The agent who wrote it (an agent of the workspace); kept from creation
    /// when an update leaves it out.
    pub created_by: Option<AgentId>,
    /// `None` means active.
    pub active: Option<bool>,
}

/// At most this many renders run at once (each on its own thread).
pub const RENDER_THREADS: usize = 4;

/// Filters a template may use: none of them can make its output much larger
/// than its input (`replace` and `join` are checked, see [`environment`]).
const FILTERS: &[&str] = &[
    "abs",
    "bool",
    "capitalize",
    "count",
    "d",
    "datetime",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "int",
    "items",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "sort",
    "split",
    "string",
    "sum",
    "title",
    "trim",
    "unique",
    "upper",
];

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_input("body", message)
}

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_fuel(Some(limits::TEMPLATE_FUEL));
    env.add_filter(
        "replace",
        |s: &str, from: &str, to: &str, count: Option<usize>| -> Fallible<String> {
            let hits = if from.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(from).count()
            };
            let hits = count.map_or(hits, |c| hits.min(c));
            let bytes = s.len().saturating_add(hits.saturating_mul(to.len()));
            if bytes > limits::TEMPLATE_OUTPUT {
                return Err(too_large());
            }
            // Each call fits the cap; many (through `map`) take the budget.
            work::producing(bytes)?;
            Ok(s.replacen(from, to, hits))
        },
    );
    // Filters that go through their input (or their arguments for each
    // item) take that work from the render's budget first (`work`).
    use minijinja::State;
    use minijinja::filters as f;
    use minijinja::value::{Kwargs, Rest, StringInput, ValueOrKwargs};
    macro_rules! counted {
        ($name:literal, $filter:expr, $cost:expr, |$($p:ident: $t:ty),*|) => {
            env.add_filter($name, |$($p: $t),*| {
                $cost?;
                $filter($($p),*)
            });
        };
    }
    counted!("split", f::split, work::through(v),
        |v: &Value, by: Option<Arc<str>>, n: Option<i64>|);
    counted!("list", f::list, work::through(&v), |state: &State<'_, '_>, v: Value|);
    counted!("items", f::items, work::through(v), |v: &Value|);
    counted!("reverse", f::reverse, work::through(v), |v: &Value|);
    counted!("min", f::min, work::through(&v), |state: &State<'_, '_>, v: Value, kw: Kwargs|);
    counted!("max", f::max, work::through(&v), |state: &State<'_, '_>, v: Value, kw: Kwargs|);
    env.add_filter(
        "sum",
        |state: &State<'_, '_>, v: Value, attr: Option<&str>, start: Option<Value>, kw: Kwargs| {
            // Adding texts or lists copies the sum so far at each step.
            let start_at = start.clone().or_else(|| kw.peek::<Value>("start").ok());
            if start_at.is_some_and(|s| !s.is_number()) {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    "sum adds numbers: `start` must be a number",
                ));
            }
            work::through(&v)?;
            f::sum(state, v, attr, start, kw)
        },
    );
    counted!("string", f::string, work::through(v), |state: &State<'_, '_>, v: &Value|);
    counted!("dictsort", f::dictsort, work::sorting(v), |v: &Value, kw: Kwargs|);
    counted!("sort", f::sort, work::sorting(&v), |state: &State<'_, '_>, v: Value, kw: Kwargs|);
    counted!("unique", f::unique, work::sorting(&v),
        |state: &State<'_, '_>, v: Value, kw: Kwargs|);
    counted!("map", f::map, work::per_item(&v, &args),
        |state: &mut State<'_, '_>, v: Value, args: Rest<ValueOrKwargs>|);
    counted!("select", f::select, work::per_item(&v, &args),
        |state: &mut State<'_, '_>, v: Value, test: Option<Cow<'_, str>>,
         args: Rest<ValueOrKwargs>|);
    counted!("reject", f::reject, work::per_item(&v, &args),
        |state: &mut State<'_, '_>, v: Value, test: Option<Cow<'_, str>>,
         args: Rest<ValueOrKwargs>|);
    counted!("selectattr", f::selectattr, work::per_item(&v, &args),
        |state: &mut State<'_, '_>, v: Value, attr: Cow<'_, str>,
         test: Option<Cow<'_, str>>, args: Rest<ValueOrKwargs>|);
    counted!("rejectattr", f::rejectattr, work::per_item(&v, &args),
        |state: &mut State<'_, '_>, v: Value, attr: Cow<'_, str>,
         test: Option<Cow<'_, str>>, args: Rest<ValueOrKwargs>|);
    // Filters that take text format any value as text first: counted on
    // the value, before it is formatted.
    for (name, filter) in [
        ("upper", f::upper as fn(StringInput<'_>) -> Value),
        ("lower", f::lower),
        ("capitalize", f::capitalize),
    ] {
        env.add_filter(
            name,
            move |state: &State<'_, '_>, v: &Value| -> Fallible<Value> {
                work::through(v)?;
                Ok(filter(StringInput::new(state, v)?))
            },
        );
    }
    env.add_filter(
        "trim",
        |state: &State<'_, '_>, v: &Value, chars: Option<Cow<'_, str>>| {
            work::through(v)?;
            Ok::<_, minijinja::Error>(f::trim(StringInput::new(state, v)?, chars))
        },
    );
    env.add_filter("title", |v: &Value| -> Fallible<String> {
        work::through(v)?;
        Ok(f::title(Cow::Owned(v.to_string())))
    });
    env.add_filter("safe", |v: &Value| -> Fallible<Value> {
        work::through(v)?;
        Ok(f::safe(v.to_string()))
    });
    for name in ["e", "escape"] {
        env.add_filter(name, |state: &mut State<'_, '_>, v: &Value| {
            work::through(v)?;
            f::escape(state, v)
        });
    }
    env.add_filter("datetime", datetime);
    env.add_filter("join", |v: &Value, sep: Option<&str>| -> Fallible<String> {
        work::through(v)?;
        let sep = sep.unwrap_or("");
        let mut out = String::new();
        for (i, item) in v.try_iter()?.enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            use std::fmt::Write;
            let _ = write!(out, "{item}");
            if out.len() > limits::TEMPLATE_OUTPUT {
                return Err(too_large());
            }
        }
        Ok(out)
    });
    env
}

/// A filter's result.
type Fallible<T> = std::result::Result<T, minijinja::Error>;

/// The default format of the `datetime` filter: `2026-03-02 14:30 CET`.
const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M %Z";

/// `{{ instant | datetime(zone, format) }}`: an instant of the context (an
/// RFC 3339 string such as `ticket.created_at`) shown in an IANA time zone
/// (default UTC; an empty or missing zone, e.g. a customer without one, is
/// UTC) with a strftime `format` (default `2026-03-02 14:30 CET`). Undefined
/// or none renders as nothing.
fn datetime(value: &Value, zone: Option<Value>, format: Option<&str>) -> Fallible<String> {
    let bad = |m: String| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, m);
    if value.is_undefined() || value.is_none() {
        return Ok(String::new());
    }
    let text = value
        .as_str()
        .ok_or_else(|| bad(format!("datetime needs an instant, not {value}")))?;
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|e| bad(format!("{text:?} is not an instant: {e}")))?;
    let zone = zone
        .as_ref()
        .and_then(|z| z.as_str())
        .filter(|z| !z.is_empty())
        .unwrap_or("UTC");
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| bad(format!("unknown IANA time zone {zone:?}")))?;
    let format = format.unwrap_or(DATETIME_FORMAT);
    if format.len() > 100 {
        return Err(bad("a datetime format has at most 100 bytes".into()));
    }
    // An invalid specifier would make `Display` fail: refuse it instead.
    let items: Vec<_> = chrono::format::StrftimeItems::new(format).collect();
    if items
        .iter()
        .any(|i| matches!(i, chrono::format::Item::Error))
    {
        return Err(bad(format!("{format:?} is not a strftime format")));
    }
    let local = at.with_timezone(&tz);
    let mut out = String::new();
    use std::fmt::Write;
    write!(out, "{}", local.format_with_items(items.into_iter()))
        .map_err(|_| bad(format!("{format:?} cannot format this instant")))?;
    Ok(out)
}

fn too_large() -> minijinja::Error {
    minijinja::Error::new(
        minijinja::ErrorKind::InvalidOperation,
        format!("the result would exceed {} bytes", limits::TEMPLATE_OUTPUT),
    )
}

/// Checks that `body` is a valid template of the safe subset.
///
/// ```
/// use ticketry_core::template::check_syntax;
/// assert!(check_syntax("Hi {{ customer.name }}").is_ok());
/// assert_eq!(check_syntax("Hi {{ customer.name ").unwrap_err().code(), "invalid_input");
/// assert!(check_syntax("{{ range(10) }}").is_err()); // no function calls
/// ```
pub fn check_syntax(body: &str) -> Result<()> {
    let n = body.chars().count();
    if n > limits::TEMPLATE_BODY {
        return Err(invalid(format!(
            "must be at most {} characters (got {n})",
            limits::TEMPLATE_BODY
        )));
    }
    check_tokens(body)?;
    let stmt = minijinja::machinery::parse(body, "body", Default::default())
        .map_err(|e| invalid(format!("template does not parse: {e}")))?;
    Subset.stmt(&stmt)
}

/// The bounds the recursive parser relies on, checked on the (iterative)
/// token stream: tokens per tag and nesting of blocks and brackets.
fn check_tokens(body: &str) -> Result<()> {
    /// Statements that open a block closed by `end<name>`.
    const OPENERS: &[&str] = &[
        "if",
        "for",
        "with",
        "filter",
        "autoescape",
        "block",
        "macro",
        "call",
        "set",
        "raw",
    ];
    // Tokens seen in the current tag (0 outside tags).
    let mut in_tag = 0usize;
    // In a `{% … %}` tag: its first word, and whether it assigns (`set x = …`
    // opens no block).
    let mut statement: Option<(&str, bool)> = None;
    let mut in_statement = false;
    let mut blocks = 0usize;
    let mut brackets = 0usize;
    for token in minijinja::machinery::tokenize(body, false, Default::default()) {
        let (token, span) = token.map_err(|e| invalid(format!("template does not parse: {e}")))?;
        let line = span.start_line;
        match token {
            Token::BlockStart => {
                in_tag = 0;
                in_statement = true;
                statement = None;
            }
            Token::VariableStart => {
                in_tag = 0;
                in_statement = false;
            }
            Token::BlockEnd => {
                in_tag = 0;
                if let Some((word, assigns)) = statement.take() {
                    if let Some(name) = word.strip_prefix("end") {
                        if OPENERS.contains(&name) {
                            blocks = blocks.saturating_sub(1);
                        }
                    } else if OPENERS.contains(&word) && !(word == "set" && assigns) {
                        blocks += 1;
                    }
                }
            }
            Token::VariableEnd => in_tag = 0,
            Token::TemplateData(_) => {}
            Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => brackets += 1,
            Token::ParenClose | Token::BracketClose | Token::BraceClose => {
                brackets = brackets.saturating_sub(1);
            }
            // The statement's first word.
            Token::Ident(name) if in_statement && in_tag == 1 => statement = Some((name, false)),
            Token::Assign => {
                if let Some((_, assigns)) = statement.as_mut() {
                    *assigns = true;
                }
            }
            _ => {}
        }
        if !matches!(
            token,
            Token::TemplateData(_) | Token::VariableEnd | Token::BlockEnd
        ) {
            in_tag += 1;
        }
        if in_tag > limits::TEMPLATE_TAG_TOKENS {
            return Err(invalid(format!(
                "line {line}: a tag has more than {} tokens",
                limits::TEMPLATE_TAG_TOKENS
            )));
        }
        if blocks > limits::TEMPLATE_NESTING || brackets > limits::TEMPLATE_NESTING {
            return Err(invalid(format!(
                "line {line}: nested more than {} levels deep",
                limits::TEMPLATE_NESTING
            )));
        }
    }
    Ok(())
}

/// The safe subset, checked on the syntax tree.
struct Subset;

impl Subset {
    fn stmts(&self, list: &[ast::Stmt<'_>]) -> Result<()> {
        list.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&self, s: &ast::Stmt<'_>) -> Result<()> {
        use ast::Stmt;
        let line = |span: minijinja::machinery::Span| span.start_line;
        match s {
            Stmt::Template(t) => self.stmts(&t.children),
            Stmt::EmitRaw(_) => Ok(()),
            Stmt::EmitExpr(e) => self.expr(&e.expr),
            Stmt::IfCond(c) => {
                self.expr(&c.expr)?;
                self.stmts(&c.true_body)?;
                self.stmts(&c.false_body)
            }
            Stmt::ForLoop(f) => {
                if f.recursive {
                    return Err(invalid(format!(
                        "line {}: recursive loops are not allowed",
                        line(f.span())
                    )));
                }
                if !is_context_path(&f.iter) {
                    return Err(invalid(format!(
                        "line {}: a loop must go over a value of the context \
                         (like ticket.tags), not over a literal or an expression",
                        line(f.span())
                    )));
                }
                self.expr(&f.target)?;
                self.expr(&f.iter)?;
                if let Some(e) = &f.filter_expr {
                    self.expr(e)?;
                }
                self.stmts(&f.body)?;
                self.stmts(&f.else_body)
            }
            other => {
                let (what, span) = match other {
                    Stmt::Set(x) => ("set", x.span()),
                    Stmt::SetBlock(x) => ("set", x.span()),
                    Stmt::WithBlock(x) => ("with", x.span()),
                    Stmt::AutoEscape(x) => ("autoescape", x.span()),
                    Stmt::FilterBlock(x) => ("filter", x.span()),
                    Stmt::Do(x) => ("do", x.span()),
                    _ => ("this tag", Default::default()),
                };
                Err(invalid(format!(
                    "line {}: `{what}` is not allowed in templates",
                    line(span).max(1)
                )))
            }
        }
    }

    fn args(&self, args: &[ast::CallArg<'_>]) -> Result<()> {
        args.iter().try_for_each(|a| match a {
            ast::CallArg::Pos(e)
            | ast::CallArg::Kwarg(_, e)
            | ast::CallArg::PosSplat(e)
            | ast::CallArg::KwargSplat(e) => self.expr(e),
        })
    }

    fn expr(&self, e: &ast::Expr<'_>) -> Result<()> {
        use ast::Expr;
        match e {
            Expr::Var(_) | Expr::Const(_) => Ok(()),
            Expr::Slice(s) => {
                self.expr(&s.expr)?;
                [&s.start, &s.stop, &s.step]
                    .into_iter()
                    .flatten()
                    .try_for_each(|e| self.expr(e))
            }
            Expr::UnaryOp(u) => self.expr(&u.expr),
            Expr::BinOp(b) => {
                if matches!(b.op, ast::BinOpKind::Mul | ast::BinOpKind::Pow) {
                    return Err(invalid(format!(
                        "line {}: `*` and `**` are not allowed in templates",
                        b.span().start_line
                    )));
                }
                self.expr(&b.left)?;
                self.expr(&b.right)
            }
            Expr::Compare(c) => {
                self.expr(&c.expr)?;
                c.ops.iter().try_for_each(|o| self.expr(&o.expr))
            }
            Expr::IfExpr(i) => {
                self.expr(&i.test_expr)?;
                self.expr(&i.true_expr)?;
                i.false_expr.as_ref().map_or(Ok(()), |e| self.expr(e))
            }
            Expr::Filter(f) => {
                if !FILTERS.contains(&f.name) {
                    return Err(invalid(format!(
                        "line {}: unknown or disallowed filter {:?} (allowed: {})",
                        f.span().start_line,
                        crate::error::shown(f.name),
                        FILTERS.join(", ")
                    )));
                }
                // `map('name', …)` applies the filter it names: that name
                // must be on the list too (or `map(attribute=…)`).
                if f.name == "map" {
                    match f.args.first() {
                        Some(ast::CallArg::Kwarg("attribute", _)) => {}
                        Some(ast::CallArg::Pos(ast::Expr::Const(c)))
                            if c.value.as_str().is_some_and(|n| FILTERS.contains(&n)) => {}
                        _ => {
                            return Err(invalid(format!(
                                "line {}: map must name an allowed filter as a string, \
                                 or take attribute=",
                                f.span().start_line
                            )));
                        }
                    }
                }
                if let Some(e) = &f.expr {
                    self.expr(e)?;
                }
                self.args(&f.args)
            }
            Expr::Test(t) => {
                self.expr(&t.expr)?;
                self.args(&t.args)
            }
            Expr::GetAttr(g) => self.expr(&g.expr),
            Expr::GetItem(g) => {
                self.expr(&g.expr)?;
                self.expr(&g.subscript_expr)
            }
            Expr::Call(c) => Err(invalid(format!(
                "line {}: function and method calls are not allowed in templates",
                c.span().start_line
            ))),
            Expr::List(l) => l.items.iter().try_for_each(|e| self.expr(e)),
            Expr::Tuple(t) => t.items.iter().try_for_each(|e| self.expr(e)),
            Expr::Map(m) => m
                .keys
                .iter()
                .chain(m.values.iter())
                .try_for_each(|e| self.expr(e)),
        }
    }
}

/// `ticket.tags`, `ticket.custom_fields["items"]`: a read of the context,
/// so every step of a loop over it passes the render's deadline check.
fn is_context_path(e: &ast::Expr<'_>) -> bool {
    match e {
        ast::Expr::Var(_) => true,
        ast::Expr::GetAttr(g) => is_context_path(&g.expr),
        ast::Expr::GetItem(g) => {
            matches!(g.subscript_expr, ast::Expr::Const(_)) && is_context_path(&g.expr)
        }
        _ => false,
    }
}

/// A render's time budget, shared by the context and the output.
#[derive(Debug)]
struct Budget {
    deadline: Instant,
    exceeded: AtomicBool,
}

impl Budget {
    /// `false` once the deadline has passed (and from then on).
    fn ok(&self) -> bool {
        if self.exceeded.load(Ordering::Relaxed) {
            return false;
        }
        if Instant::now() > self.deadline {
            self.exceeded.store(true, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// The render context: JSON maps and lists whose every read and loop step
/// checks the budget (a loop stops and reads come back undefined once it
/// is spent; the render then fails).
#[derive(Debug)]
enum Metered {
    Map(Vec<(String, Value)>, Arc<Budget>),
    Seq(Vec<Value>, Arc<Budget>),
}

fn metered(v: serde_json::Value, budget: &Arc<Budget>) -> Value {
    match v {
        serde_json::Value::Object(m) => Value::from_object(Metered::Map(
            m.into_iter()
                .map(|(k, v)| (k, metered(v, budget)))
                .collect(),
            budget.clone(),
        )),
        serde_json::Value::Array(a) => Value::from_object(Metered::Seq(
            a.into_iter().map(|v| metered(v, budget)).collect(),
            budget.clone(),
        )),
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(b),
        serde_json::Value::String(s) => Value::from(s),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_u64().map(Value::from))
            .unwrap_or_else(|| Value::from(n.as_f64().unwrap_or(f64::NAN))),
    }
}

/// Steps through a metered value, stopping when the budget is spent.
struct Steps {
    items: Vec<Value>,
    next: usize,
    budget: Arc<Budget>,
}

impl Iterator for Steps {
    type Item = Value;
    fn next(&mut self) -> Option<Value> {
        if !self.budget.ok() {
            return None;
        }
        let v = self.items.get(self.next).cloned();
        self.next += 1;
        v
    }
}

impl Object for Metered {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match &**self {
            Metered::Map(..) => ObjectRepr::Map,
            Metered::Seq(..) => ObjectRepr::Seq,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match &**self {
            Metered::Map(m, budget) => {
                let key = key.as_str()?;
                budget.ok().then_some(())?;
                m.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
            }
            Metered::Seq(s, budget) => {
                budget.ok().then_some(())?;
                let i = key.as_i64()?;
                let i = if i < 0 { s.len() as i64 + i } else { i };
                s.get(usize::try_from(i).ok()?).cloned()
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let (items, budget) = match &**self {
            Metered::Map(m, budget) => (
                m.iter().map(|(k, _)| Value::from(k.as_str())).collect(),
                budget,
            ),
            Metered::Seq(s, budget) => (s.clone(), budget),
        };
        Enumerator::Iter(Box::new(Steps {
            items,
            next: 0,
            budget: budget.clone(),
        }))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(match &**self {
            Metered::Map(m, _) => m.len(),
            Metered::Seq(s, _) => s.len(),
        })
    }
}

/// The render's output: capped in size, checks the deadline on each write.
struct Capped<'a> {
    out: &'a mut String,
    budget: &'a Budget,
    overflow: bool,
}

impl std::fmt::Write for Capped<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.out.len() + s.len() > limits::TEMPLATE_OUTPUT {
            self.overflow = true;
            return Err(std::fmt::Error);
        }
        if !self.budget.ok() {
            return Err(std::fmt::Error);
        }
        self.out.push_str(s);
        Ok(())
    }
}

/// Renders `body` (already checked by [`check_syntax`]) under the limits,
/// on the calling thread.
#[cfg(test)]
fn render_now(
    body: &str,
    context: serde_json::Value,
    deadline: std::time::Duration,
) -> Result<String> {
    check_syntax(body)?;
    render_in(&environment(), body, context, deadline)
}

/// Renders `body` (checked) in `env`, under the limits: each render has its
/// own fuel, output cap and deadline.
fn render_in(
    env: &minijinja::Environment<'static>,
    body: &str,
    context: serde_json::Value,
    deadline: std::time::Duration,
) -> Result<String> {
    let tpl = env
        .template_from_str(body)
        .map_err(|e| invalid(format!("template does not parse: {e}")))?;
    let budget = Arc::new(Budget {
        deadline: Instant::now() + deadline,
        exceeded: AtomicBool::new(false),
    });
    let ctx = metered(context, &budget);
    work::start();
    let mut text = String::new();
    let mut out = Capped {
        out: &mut text,
        budget: &budget,
        overflow: false,
    };
    let result = tpl.render_captured_to(ctx, FmtWriter(&mut out));
    let overflow = out.overflow;
    if overflow {
        return Err(invalid(format!(
            "the rendered text exceeds {} bytes",
            limits::TEMPLATE_OUTPUT
        )));
    }
    if budget.exceeded.load(Ordering::Relaxed) {
        return Err(invalid(format!(
            "rendering took longer than {} ms",
            limits::TEMPLATE_DEADLINE.as_millis()
        )));
    }
    match result {
        Ok(_) => Ok(text),
        Err(e) if e.kind() == minijinja::ErrorKind::OutOfFuel => Err(invalid(
            "rendering needs too many steps (a loop too long for a template)",
        )),
        Err(e) => Err(invalid(format!("template failed to render: {e}"))),
    }
}

/// Adapts a `fmt::Write` to the `io::Write` minijinja renders into.
struct FmtWriter<'a, 'b>(&'a mut Capped<'b>);

impl std::io::Write for FmtWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let s = std::str::from_utf8(buf).map_err(std::io::Error::other)?;
        std::fmt::Write::write_str(self.0, s).map_err(std::io::Error::other)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static RENDERERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(RENDER_THREADS);

/// Renders `body` with a serializable context, under the limits, on a
/// render thread (never on the caller's async worker).
pub(crate) async fn render(body: &str, context: serde_json::Value) -> Result<String> {
    let mut out = render_all(vec![(body.to_owned(), context)]).await?;
    out.pop().unwrap_or_else(|| {
        Err(Error::Internal {
            message: "the render thread gave no answer".into(),
        })
    })
}

/// Renders several `(body, context)` jobs on one render thread, each under
/// its own limits (fuel, output cap, deadline); a body is checked once per
/// call however many jobs use it. One result per job, in order.
pub(crate) async fn render_all(
    jobs: Vec<(String, serde_json::Value)>,
) -> Result<Vec<Result<String>>> {
    let permit = RENDERERS.acquire().await.map_err(|_| Error::Internal {
        message: "the template renderer is closed".into(),
    })?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("ticketry-render".into())
        .spawn(move || {
            // Held by the thread: a caller that stops waiting does not free
            // its slot while the render still runs.
            let _permit = permit;
            let env = environment();
            let mut checked: std::collections::HashMap<String, Result<()>> = Default::default();
            let out = jobs
                .into_iter()
                .map(|(body, context)| {
                    checked
                        .entry(body.clone())
                        .or_insert_with(|| check_syntax(&body))
                        .clone()?;
                    render_in(&env, &body, context, limits::TEMPLATE_DEADLINE)
                })
                .collect();
            let _ = tx.send(out);
        })
        .map_err(|e| Error::Internal {
            message: format!("cannot start a render thread: {e}"),
        })?;
    rx.await.map_err(|_| Error::Internal {
        message: "the render thread stopped without an answer".into(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A deadline no test reaches, for the cases another limit must stop
    /// (a loaded CI machine must not turn them into deadline errors).
    const LONG: std::time::Duration = std::time::Duration::from_secs(600);

    fn rejected(body: &str) -> String {
        match check_syntax(body) {
            Err(Error::InvalidInput { field, message }) => {
                assert_eq!(field, "body");
                message
            }
            other => panic!("{:.60}: expected invalid_input, got {other:?}", body),
        }
    }

    fn ctx() -> serde_json::Value {
        json!({
            "ticket": {"number": "TKT-2026-00042", "tags": ["vip", "billing"],
                       "custom_fields": {"big": "x".repeat(60_000),
                                         "many": (0..20_000).collect::<Vec<_>>()}},
            "customer": {"name": "Carol", "email": "carol@example.com"},
        })
    }

    #[test]
    fn instants_show_in_a_time_zone() {
        let ctx = json!({"due": "2026-03-29T00:30:00Z", "customer": {"timezone": "Europe/Berlin"}});
        let render = |body: &str| {
            check_syntax(body).unwrap();
            render_now(body, ctx.clone(), LONG)
        };
        assert_eq!(
            render("{{ due|datetime }}").unwrap(),
            "2026-03-29 00:30 UTC"
        );
        // Across the spring switch: 01:30 CET, then 03:30 CEST an hour later.
        assert_eq!(
            render("{{ due|datetime(customer.timezone) }}").unwrap(),
            "2026-03-29 01:30 CET"
        );
        assert_eq!(
            render("{{ due|datetime('Europe/Berlin', '%H:%M on %d.%m.') }}").unwrap(),
            "01:30 on 29.03."
        );
        assert_eq!(render("{{ missing|datetime }}").unwrap(), "");
        assert_eq!(
            render("{{ due|datetime(customer.nothing) }}").unwrap(),
            "2026-03-29 00:30 UTC"
        );
        for bad in [
            "{{ due|datetime('Mars/Olympus') }}",
            "{{ due|datetime('UTC', '%Q') }}",
            "{{ 'soon'|datetime }}",
        ] {
            assert_eq!(render(bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
    }

    #[test]
    fn ordinary_templates_render() {
        let body = "Hello {{ customer.name|title }}, about {{ ticket.number }}\
                    {% for t in ticket.tags %} #{{ loop.index }}:{{ t|upper }}{% endfor %}\
                    {% if ticket.custom_fields.plan is defined %}!{% else %}.{% endif %} \
                    {{ ticket.tags|join(', ') }} {{ 'a-b'|replace('-', '+') }} {{ 2 + 3 }}";
        check_syntax(body).unwrap();
        assert_eq!(
            render_now(body, ctx(), LONG).unwrap(),
            "Hello Carol, about TKT-2026-00042 #1:VIP #2:BILLING. vip, billing a+b 5"
        );
        let mapped = "{{ ticket.tags|map('upper')|join(',') }}";
        assert_eq!(render_now(mapped, ctx(), LONG).unwrap(), "VIP,BILLING");
    }

    #[test]
    fn deep_expressions_are_rejected_before_parsing() {
        for unit in ["-", "+1", "~x", " and x", ".a", "[0]", "()", "(", "not "] {
            let body = format!("{{{{ {}1 }}}}", unit.repeat(30_000 / unit.len()));
            let body: String = body.chars().take(limits::TEMPLATE_BODY - 10).collect();
            let msg = rejected(&format!("{body} }}}}"));
            assert!(
                msg.contains("tokens") || msg.contains("nested"),
                "{unit}: {msg}"
            );
        }
        let blocks = "{% if x %}".repeat(1000);
        assert!(rejected(&blocks).contains("nested"));
        // An output tag's first word is no `end…` that closes a block.
        let sneaky = "{% if a %}{{ endx }}".repeat(1000);
        assert!(rejected(&sneaky).contains("nested"));
        // `set x = …` opens no block (and is refused as `set`, not as nesting).
        assert!(rejected(&"{% set x = 1 %}".repeat(20)).contains("`set`"));
        assert!(rejected(&"x".repeat(limits::TEMPLATE_BODY + 1)).contains("at most"));
    }

    #[test]
    fn constructs_that_build_unbounded_values_are_rejected() {
        for (body, why) in [
            (
                "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                "set",
            ),
            (
                "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
                "loop",
            ),
            ("{{ 'x' * 100000000 }}", "`*`"),
            ("{{ 2 ** 100 }}", "`*`"),
            ("{{ debug() }}", "calls"),
            ("{{ ticket.items() }}", "calls"),
            ("{% with a = 1 %}{% endwith %}", "with"),
            ("{{ x|center(1000000000) }}", "filter"),
            ("{{ x|indent(100000) }}", "filter"),
            (
                "{{ ticket.tags|map('indent', 100000000, true)|join }}",
                "map",
            ),
            ("{{ ticket.tags|map(f)|join }}", "map"),
            ("{% for x in [1, 2] %}{% endfor %}", "loop"),
            ("{% include 'other' %}", "unknown statement"),
        ] {
            let msg = rejected(body);
            assert!(msg.contains(why), "{body}: {msg}");
        }
    }

    #[test]
    fn filters_stop_past_the_work_budget() {
        let render = |body: &str| render_now(body, ctx(), LONG).map_err(|e| e.to_string());
        let big = "ticket.custom_fields.big";
        let six = [big; 6].join(" ~ ");
        for body in [
            // A test over 360,000 items, once for each of 20,000 items.
            format!("{{{{ ticket.custom_fields.many|list|select('in', ({six})|list)|length }}}}"),
            // 20,000 references to one 60,000-byte text, then lowercased.
            format!("{{{{ ticket.custom_fields.many|map(attribute='x', default={big})|unique }}}}"),
            format!("{{{{ ticket.custom_fields.many|map(attribute='x', default={big})|e }}}}"),
            // Each replace fits the output cap; together, gigabytes.
            format!("{{{{ ({big}|list)[:20000]|map('replace', '', {big} ~ {big})|length }}}}"),
            // One filter after another over a long text.
            format!("{{{{ ({six}){} }}}}", "|upper|lower".repeat(30)),
            // Results of replace, each under the cap, 4 GB together.
            format!(
                "{{{{ ({big}|list)[:10000]|map('replace', '', '{}')|map('replace', '', '{}')|length }}}}",
                "a".repeat(400),
                "b".repeat(497)
            ),
            // A lazy list (`+`) holding the long text, 20,000 times.
            format!(
                "{{{{ ticket.custom_fields.many|map(attribute='x', default=[{big}] + [])|string }}}}"
            ),
        ] {
            let e = render(&body).unwrap_err();
            assert!(e.contains("units of work"), "{body:.70}: {e}");
        }
        assert_eq!(
            render("{{ ticket.custom_fields.many|sort(reverse=true)|first }}").unwrap(),
            "19999"
        );
        assert_eq!(
            render("{{ ticket.tags|map('upper')|sort|join(',') }}").unwrap(),
            "BILLING,VIP"
        );
        assert_eq!(
            render(&format!("{{{{ {big}|upper|length }}}}")).unwrap(),
            "60000"
        );
        // Summing texts copies the sum at each step: numbers only.
        let e = render(&format!("{{{{ ({six})|list|sum(start='')|length }}}}")).unwrap_err();
        assert!(e.contains("sum adds numbers"), "{e}");
        assert_eq!(
            render("{{ ticket.custom_fields.many|sum(start=1) }}").unwrap(),
            "199990001"
        );
    }

    #[test]
    fn renders_stop_at_the_output_cap_and_the_deadline() {
        let body =
            "{% for n in ticket.custom_fields.many %}{{ ticket.custom_fields.big }}{% endfor %}";
        let e = render_now(body, ctx(), LONG).unwrap_err();
        assert!(e.to_string().contains("exceeds"), "{e}");
        // Heavy work that writes nothing: stopped by the deadline or the fuel.
        let body = "{% for a in ticket.custom_fields.many %}{% for b in ticket.custom_fields.many %}\
                    {% if (ticket.custom_fields.big ~ ticket.custom_fields.big)|length > 1 %}{% endif %}\
                    {% endfor %}{% endfor %}";
        let e = render_now(body, ctx(), limits::TEMPLATE_DEADLINE).unwrap_err();
        assert!(
            e.to_string().contains("longer than") || e.to_string().contains("too many steps"),
            "{e}"
        );
        let e = render_now(
            "{{ ticket.custom_fields.big|replace('', 'yyyyyyyy') }}",
            ctx(),
            LONG,
        )
        .unwrap_err();
        assert!(e.to_string().contains("exceed"), "{e}");
    }
}
