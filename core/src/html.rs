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
//! dropped, so a parser's stack is never deeper than the one kept here (a
//! `<br>`-like name inside `svg` or `math`, which a parser keeps open, is
//! counted as a level). End tags a document omits are implied as a parser
//! implies them (`<tr><td>1<tr>`, `<li>a<li>`, `<p>a<div>`). Tags that would
//! open deeper than `max` are dropped with their end tags; text is kept.
//! Comments, the doctype, and `script` and `style` elements with their
//! content are dropped (both readers drop them too); `xmp`, `iframe`,
//! `noembed`, `noframes` and `plaintext` are written as their text. Start
//! tags a parser ignores (`body`, `td` outside a table) are not written, and
//! at most [`HTML_FORMATTING`](crate::limits::HTML_FORMATTING) formatting
//! elements (`b`, `font`…) are open at once: a parser opens the open ones
//! again after each block that closes them.
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

/// Start tags that close an open element first, as a parser does when a
/// document omits end tags (`<li>a<li>b`, `<p>a<div>`, `<tr><td>1<tr>`):
/// the nearest open element of `closes`, unless one of `stops` (or, for
/// `None`, any other element) is nearer. Closing more than a parser would
/// only makes the written document shallower; closing less made ordinary
/// legacy HTML creep deeper row by row.
const IMPLIED_ENDS: &[Implied] = &[
    implied(P_CLOSERS, &["p"], Some(BUTTON_SCOPE)),
    implied(&["li"], &["li"], Some(LIST_SCOPE)),
    implied(&["dd", "dt"], &["dd", "dt"], Some(LIST_SCOPE)),
    implied(HEADINGS, HEADINGS, None),
    implied(TABLE_PARTS, TABLE_PARTS, Some(&["table"])),
    implied(&["tr"], &["tr"], Some(&["table"])),
    implied(&["td", "th"], &["td", "th"], Some(&["tr", "table"])),
    implied(&["option", "optgroup"], &["option"], None),
    implied(&["optgroup"], &["optgroup"], None),
    implied(&["a"], &["a"], Some(BUTTON_SCOPE)),
    implied(&["button"], &["button"], Some(BUTTON_SCOPE)),
];

/// Start tags that close an open `p`.
const P_CLOSERS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "search",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
    "form",
    "table",
    "hr",
    "li",
    "dd",
    "dt",
];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

const TABLE_PARTS: &[&str] = &["tbody", "thead", "tfoot"];

/// A start tag's implied end: see [`IMPLIED_ENDS`].
struct Implied {
    starts: &'static [&'static str],
    closes: &'static [&'static str],
    stops: Option<&'static [&'static str]>,
}

const fn implied(
    starts: &'static [&'static str],
    closes: &'static [&'static str],
    stops: Option<&'static [&'static str]>,
) -> Implied {
    Implied {
        starts,
        closes,
        stops,
    }
}

/// Where a parser stops looking for an open `p` (or `a`, `button`).
const BUTTON_SCOPE: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "button",
];

/// Where a parser stops looking for an open `li`, `dd` or `dt`: the
/// containers among its special elements.
const LIST_SCOPE: &[&str] = &[
    "applet",
    "article",
    "aside",
    "blockquote",
    "body",
    "button",
    "caption",
    "center",
    "details",
    "dir",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "html",
    "main",
    "marquee",
    "menu",
    "nav",
    "object",
    "ol",
    "section",
    "select",
    "summary",
    "table",
    "tbody",
    "td",
    "template",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Start tags a parser ignores in a document's body (and, outside a
/// `table`, [`TABLE_ONLY`]): written, a parser would not open them, so the
/// elements after them would nest differently than written.
const IGNORED: &[&str] = &["html", "head", "body", "frameset", "frame"];

/// Start tags a parser takes only inside a `table`.
const TABLE_ONLY: &[&str] = &[
    "caption", "col", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// Formatting elements: a parser keeps a list of the open ones and opens
/// them again after a block closes them implicitly, once per text that
/// follows, so their number multiplies the elements it builds.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Elements whose content a parser reads as text, written as their text
/// alone (a parser would show escaped characters in them as written).
const TEXT_ONLY: &[&str] = &["xmp", "iframe", "noembed", "noframes", "plaintext"];

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
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "textarea" | "title" => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        };
        if hides {
            self.hidden = true;
        } else if plain(name)
            && !TEXT_ONLY.contains(&name)
            && !IGNORED.contains(&name)
            && (!TABLE_ONLY.contains(&name) || self.open.iter().any(|n| n == "table"))
        {
            for rule in IMPLIED_ENDS.iter().filter(|r| r.starts.contains(&name)) {
                self.close_nearest(rule.closes, rule.stops);
            }
            // Inside `svg` or `math`, a parser keeps `<br>`-like names open.
            let void = VOID.contains(&name) && !self.open.iter().any(|n| n == "svg" || n == "math");
            let formatting = FORMATTING.contains(&name);
            let too_deep = self.open.len() >= max
                || (formatting
                    && self
                        .open
                        .iter()
                        .filter(|n| FORMATTING.contains(&n.as_str()))
                        .count()
                        >= crate::limits::HTML_FORMATTING);
            if !void && too_deep {
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
        raw
    }

    /// Closes the nearest open element named in `closes`, and the elements
    /// inside it, unless an element named in `stops` (with `None`: any
    /// other element) is nearer.
    fn close_nearest(&mut self, closes: &[&str], stops: Option<&[&str]>) {
        for (at, n) in self.open.iter().enumerate().rev() {
            if closes.contains(&n.as_str()) {
                for n in self.open.drain(at..).rev() {
                    close(&mut self.out, &n);
                }
                return;
            }
            if stops.is_none_or(|s| s.contains(&n.as_str())) {
                return;
            }
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
    /// construction: every element but a void one outside `svg` and `math`
    /// has its end tag), and its text.
    fn shape(html: &str) -> (usize, String) {
        let (mut open, mut deepest, mut text) = (Vec::<String>::new(), 0, String::new());
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            text.push_str(&rest[..at]);
            let end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
            let tag = &rest[at + 1..end - 1];
            let name = tag.trim_start_matches('/').split(' ').next().unwrap_or("");
            if tag.starts_with('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "{html}");
            } else if !VOID.contains(&name) || open.iter().any(|n| n == "svg" || n == "math") {
                open.push(name.to_owned());
                deepest = deepest.max(open.len());
            }
            rest = &rest[end..];
        }
        text.push_str(rest);
        assert!(open.is_empty(), "{html}");
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
    fn omitted_end_tags_close_as_a_parser_closes_them() {
        // Legacy mail: 300 rows, list items and paragraphs without end tags
        // stay siblings, never deeper than a few levels.
        for (html, open) in [
            ("<table>".to_owned() + &"<tr><td>x<td>y".repeat(300), 3),
            ("<ul>".to_owned() + &"<li><p>x".repeat(300), 3),
            ("<dl>".to_owned() + &"<dt><b>t</b><dd><p>d".repeat(300), 3),
            ("<div>".to_owned() + &"<p>x<div>y</div>".repeat(300), 2),
            (
                "<select>".to_owned() + &"<optgroup><option>a<option>b".repeat(300),
                3,
            ),
            ("<h1>a<h2>b<p><a href=x>c<a href=y>d".repeat(300), 3),
        ] {
            let (deepest, _) = shape(&flatten(&html, 128));
            assert_eq!(deepest, open, "{}", &html[..30]);
        }
        assert_eq!(
            flatten("<table><tr><td>1<tr><td>2</table>", 8),
            "<table><tr><td>1</td></tr><tr><td>2</td></tr></table>"
        );
    }

    #[test]
    fn ignored_tags_and_formatting_cannot_multiply_elements() {
        // A parser ignores `<td>` outside a table: a flattener that kept it
        // would not close the `p` around the bold tags, and the parser would
        // open all 120 again for every `x`.
        let bold: String = (1..=120).map(|k| format!("<b title=\"{k}\">")).collect();
        let html = format!("<p><td>{bold}{}", "<p>x".repeat(200));
        let flat = flatten(&html, 128);
        assert!(!flat.contains("<td>"));
        assert_eq!(flat.matches("<b ").count(), crate::limits::HTML_FORMATTING);
        assert_eq!(
            flat.matches("<p>x</p>").count(),
            200,
            "siblings, outside the bold tags"
        );
        assert_eq!(
            flatten("<body><table><td>1</table>", 8),
            "<table><td>1</td></table>"
        );
    }

    #[test]
    fn text_only_elements_keep_their_text() {
        assert_eq!(flatten("<xmp>a<b</xmp>c", 8), "a&lt;bc");
        assert_eq!(flatten("x<plaintext><b>y</b>", 8), "x&lt;b&gt;y&lt;/b&gt;");
        assert_eq!(
            flatten("<iframe><p>z</p></iframe>", 8),
            "&lt;p&gt;z&lt;/p&gt;"
        );
    }

    #[test]
    fn void_names_inside_svg_count_as_levels() {
        let html = "<form><svg>".to_owned()
            + &"<wbr>".repeat(5_000)
            + "<foreignobject>"
            + &"<img>".repeat(5_000);
        let (deepest, _) = shape(&flatten(&html, 10));
        assert!(deepest <= 10);
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
            "<ul><li>a</li><li>b</li></ul><p>x</p><p>y</p><table><tr><td>1</td><td>2</td></tr></table>"
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
