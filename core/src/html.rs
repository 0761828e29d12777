//! A bound on the nesting of HTML before an HTML parser builds its tree.
//!
//! `html5ever` (under `ammonia`, which sanitises rendered Markdown, and
//! `html2text`, which reads HTML-only mail) walks its stack of open elements
//! for each new element, so its time grows with elements × depth: 16 000
//! nested list items (32 KB of Markdown in a ticket's description, rendered
//! for a notification) took 4 s in a release build, 32 000 took 18 s.
//!
//! [`flatten`] reads the HTML with `html5ever`'s tokenizer (linear) and
//! writes it back well formed: every element it opens is closed, an end tag
//! closes what it opened since its start tag and an end tag without one is
//! dropped, so a parser's stack is never deeper than the one kept here. Tags
//! that would open deeper than `max` are dropped with their end tags; text
//! is kept. Comments, the doctype, and `script` and `style` elements with
//! their content are dropped (both readers drop them too).
//!
//! ```
//! use ticketry_core::html::flatten;
//! let deep = "<div>".repeat(1_000) + "text";
//! assert_eq!(flatten(&deep, 2), "<div><div>text</div></div>");
//! assert_eq!(
//!     flatten("<p class=\"a\">1 &lt; 2<br>x<!-- c --></b>", 8),
//!     "<p class=\"a\">1 &lt; 2<br>x</p>"
//! );
//! ```

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer,
};
use std::cell::RefCell;

/// Elements that never hold content: written, never opened.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

/// Elements a start tag of the same kind closes (`<li>a<li>b`), as a
/// parser does when one is the innermost open element.
const SIBLINGS: &[&[&str]] = &[
    &["p"],
    &["li"],
    &["dd", "dt"],
    &["option"],
    &["tr"],
    &["td", "th"],
];

/// `html` written back well formed, no element nested deeper than `max`.
pub fn flatten(html: &str, max: usize) -> String {
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    let writer = Writer {
        max,
        state: RefCell::new(State {
            out: String::with_capacity(html.len() + html.len() / 8),
            open: Vec::new(),
            dropped: Vec::new(),
            hidden: false,
        }),
    };
    let tokenizer = Tokenizer::new(writer, Default::default());
    // Our sink never asks to stop for a script, so `feed` reads it all.
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let mut state = tokenizer.sink.state.into_inner();
    while let Some(name) = state.open.pop() {
        close(&mut state.out, &name);
    }
    state.out
}

/// The token sink that writes the flattened HTML.
struct Writer {
    max: usize,
    state: RefCell<State>,
}

struct State {
    out: String,
    /// The elements written open, outermost first.
    open: Vec<String>,
    /// The elements opened too deep, not written (their end tags are not
    /// either), outermost first.
    dropped: Vec<String>,
    /// Inside a dropped `script` or `style`.
    hidden: bool,
}

impl TokenSink for Writer {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut s = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => return s.tag(&tag, self.max),
            Token::CharacterTokens(text) if !s.hidden => escape(&mut s.out, &text, false),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl State {
    fn tag(&mut self, tag: &Tag, max: usize) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let hides = matches!(name, "script" | "style");
        if tag.kind == TagKind::EndTag {
            if hides {
                self.hidden = false;
            } else if self.dropped.last().is_some_and(|n| n == name) {
                self.dropped.pop();
            } else if let Some(at) = self.open.iter().rposition(|n| n == name) {
                for n in self.open.drain(at..).rev() {
                    close(&mut self.out, &n);
                }
            }
            return TokenSinkResult::Continue;
        }
        // The tokenizer reads these elements' content as text, as a parser
        // has it do.
        let raw = match name {
            "script" => Some(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => Some(RawKind::Rawtext),
            "textarea" | "title" => Some(RawKind::Rcdata),
            _ => None,
        };
        if hides {
            self.hidden = true;
        } else if plain(name) {
            if let Some(same) = SIBLINGS.iter().find(|s| s.contains(&name))
                && self.open.last().is_some_and(|n| same.contains(&n.as_str()))
                && let Some(n) = self.open.pop()
            {
                close(&mut self.out, &n);
            }
            let void = VOID.contains(&name);
            if !void && self.open.len() >= max {
                self.dropped.push(name.to_owned());
            } else {
                self.out.push('<');
                self.out.push_str(name);
                for a in &tag.attrs {
                    let key: &str = &a.name.local;
                    if plain(key) {
                        self.out.push(' ');
                        self.out.push_str(key);
                        self.out.push_str("=\"");
                        escape(&mut self.out, &a.value, true);
                        self.out.push('"');
                    }
                }
                self.out.push('>');
                if !void {
                    self.open.push(name.to_owned());
                }
            }
        }
        match raw {
            Some(kind) => TokenSinkResult::RawData(kind),
            None => TokenSinkResult::Continue,
        }
    }
}

/// A tag or attribute name written back as it is (others, which a parser
/// takes with their odd characters, are dropped).
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b':' | b'.'))
}

/// Writes `</name>`.
fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Writes `text` escaped for HTML text, or for a quoted attribute value.
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest nesting of `flatten`'s output (well formed by
    /// construction, so counting its tags is exact), and its text.
    fn shape(html: &str) -> (usize, String) {
        let (mut depth, mut deepest, mut text) = (0usize, 0, String::new());
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            text.push_str(&rest[..at]);
            let end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
            let tag = &rest[at + 1..end - 1];
            let name = tag.split([' ', '/']).find(|s| !s.is_empty()).unwrap_or("");
            if tag.starts_with('/') {
                depth -= 1;
            } else if !VOID.contains(&name) {
                depth += 1;
                deepest = deepest.max(depth);
            }
            rest = &rest[end..];
        }
        text.push_str(rest);
        assert_eq!(depth, 0, "{html}");
        (deepest, text)
    }

    #[test]
    fn nesting_past_the_bound_keeps_its_text_only() {
        for (html, text) in [
            ("<div>".repeat(5_000) + "x", "x".to_owned()),
            ("<ul><li>a".repeat(5_000), "a".repeat(5_000)),
            // Elements a parser keeps open although they close siblings.
            ("<li>a<dd>b".repeat(5_000), "ab".repeat(5_000)),
            ("<div/>".repeat(5_000) + "x", "x".to_owned()),
            (
                "<b><i>".repeat(5_000) + "x" + &"</i></b>".repeat(5_000),
                "x".to_owned(),
            ),
            // Markup inside quotes, comments or raw text hides no tag.
            (
                "<style><div a=\"</style>".to_owned() + &"<div>".repeat(5_000) + "\"",
                "\"".to_owned(),
            ),
            (
                "<!-- <div a=\" -->".to_owned() + &"<span>".repeat(5_000) + "\"",
                "\"".to_owned(),
            ),
            ("<div title=\"></div>\">".repeat(5_000), String::new()),
        ] {
            let flat = flatten(&html, 10);
            let (deepest, kept) = shape(&flat);
            assert!(deepest <= 10, "{deepest} levels from {}", &html[..40]);
            assert_eq!(kept, text);
        }
    }

    #[test]
    fn deep_markdown_renders_flattened() {
        let html = crate::kb::render(&("- ".repeat(20_000) + "**x**"));
        assert_eq!(
            html.matches("<ul>").count(),
            crate::limits::HTML_NESTING / 2
        );
        // Past the bound, the emphasis lost its tags, not its text.
        assert!(html.contains("<li>x</li>"));
    }

    #[test]
    fn shallow_html_keeps_its_structure() {
        assert_eq!(
            flatten(
                "<ul><li>a<li>b</ul><p>x<p>y<table><tr><td>1<td>2</table>",
                8
            ),
            "<ul><li>a</li><li>b</li></ul><p>x</p><p>y<table><tr><td>1</td><td>2</td></tr></table></p>"
        );
        assert_eq!(
            flatten(
                "<a href='/x?a=1&amp;b=\"2\"' onclick=go()>t</a><script>if (a<b) x()</script>",
                8
            ),
            "<a href=\"/x?a=1&amp;b=&quot;2&quot;\" onclick=\"go()\">t</a>"
        );
        assert_eq!(
            flatten("<textarea><b>x</b></textarea>", 8),
            "<textarea>&lt;b&gt;x&lt;/b&gt;</textarea>"
        );
    }
}
