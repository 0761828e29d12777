//! Small input checks shared by every entity, each returning a typed
//! [`Error::InvalidInput`] that names the field.

use crate::error::{Error, Result};

/// A single line (names, subjects, file names): trimmed, 1..=`max`
/// characters (see [`body`]) and no control character, so it is safe in an
/// e-mail header or a log line.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = body(field, value.trim(), max)?;
    if v.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            field,
            "must be one line without control characters",
        ));
    }
    Ok(v.to_owned())
}

/// Free text of several lines, trimmed (see [`body`]).
pub(crate) fn paragraph(field: &str, value: &str, max: usize) -> Result<String> {
    body(field, value.trim(), max).map(str::to_owned)
}

/// Like [`paragraph`] but `None` and blank strings are allowed (and become `None`).
pub(crate) fn optional_paragraph(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    optional(paragraph, field, value, max)
}

/// `check` on a present, non-blank value; `None` for a missing or blank one.
fn optional(
    check: fn(&str, &str, usize) -> Result<String>,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => check(field, v, max).map(Some),
    }
}

/// Checks free text kept as written: not blank, at most `max` characters,
/// no NUL character (no SQL database stores it in text or JSON).
pub(crate) fn body<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str> {
    if value.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {max} characters (got {n})"),
        ));
    }
    if value.contains('\0') {
        return Err(Error::invalid_input(
            field,
            "must not contain a NUL character",
        ));
    }
    Ok(value)
}

/// Checks a JSON object of the host's fields: at most
/// [`JSON_DEPTH`](crate::limits::JSON_DEPTH) levels deep and
/// [`JSON_BYTES`](crate::limits::JSON_BYTES) serialized, no NUL character in
/// any key or string. Whatever passes, every backend stores and reads back.
pub(crate) fn json_fields(
    field: &str,
    value: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    use crate::limits::JSON_BYTES;
    if let Some((path, message)) = json_problem(field, value, false) {
        // Found: walk again, this time naming the path.
        let (path, message) = json_problem(field, value, true).unwrap_or((path, message));
        return Err(Error::invalid_input(path, message));
    }
    let mut size = SizeLimit(0);
    if serde_json::to_writer(&mut size, value).is_err() {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {JSON_BYTES} bytes as JSON"),
        ));
    }
    Ok(())
}

/// The first value too deep or holding a NUL character, with its path when
/// `paths` (the walk is iterative and stops at the first level too deep, so
/// no input can make the check itself recurse).
fn json_problem(
    field: &str,
    value: &serde_json::Map<String, serde_json::Value>,
    paths: bool,
) -> Option<(String, String)> {
    use crate::limits::JSON_DEPTH;
    use serde_json::Value;
    let path = |parent: &str, key: &dyn std::fmt::Display| {
        if paths {
            format!("{parent}{key}")
        } else {
            String::new()
        }
    };
    let nul = || "must not contain a NUL character".to_owned();
    let mut stack: Vec<(String, &Value, usize)> = Vec::new();
    for (k, v) in value {
        if k.contains('\0') {
            return Some((field.to_owned(), nul()));
        }
        stack.push((
            path(field, &format_args!(".{}", crate::error::shown(k))),
            v,
            2,
        ));
    }
    while let Some((at, v, depth)) = stack.pop() {
        match v {
            Value::Array(_) | Value::Object(_) if depth > JSON_DEPTH => {
                return Some((at, format!("nested more than {JSON_DEPTH} levels deep")));
            }
            Value::String(s) if s.contains('\0') => return Some((at, nul())),
            Value::Array(a) => stack.extend(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| (path(&at, &format_args!("[{i}]")), v, depth + 1)),
            ),
            Value::Object(o) => {
                for (k, v) in o {
                    if k.contains('\0') {
                        return Some((at, nul()));
                    }
                    stack.push((
                        path(&at, &format_args!(".{}", crate::error::shown(k))),
                        v,
                        depth + 1,
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// Counts bytes written and fails past [`JSON_BYTES`](crate::limits::JSON_BYTES).
struct SizeLimit(usize);

impl std::io::Write for SizeLimit {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        if self.0 > crate::limits::JSON_BYTES {
            return Err(std::io::Error::other("too large"));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Like [`text`] but `None` and blank strings are allowed (and become `None`).
pub(crate) fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    optional(text, field, value, max)
}

/// Tag slugs ([`key`]s), sorted, duplicates removed.
pub(crate) fn tags(field: &str, values: &[String]) -> Result<Vec<String>> {
    let mut tags = values
        .iter()
        .map(|t| key(field, t))
        .collect::<Result<Vec<_>>>()?;
    tags.sort();
    tags.dedup();
    crate::limits::at_most(field, tags, crate::limits::TAGS, "tags")
}

/// A machine key: 1–64 of `a-z 0-9 _ - . :`, starting with a letter or digit.
pub(crate) fn key(field: &str, value: &str) -> Result<String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.:".contains(c));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid_input(
            field,
            format!(
                "{:?} must be 1-64 characters of a-z, 0-9, '_', '-', '.', ':'",
                crate::error::shown(value)
            ),
        ))
    }
}

/// A URL a host serves a file at: `http(s)://…` or an absolute path
/// (`/media/…`), at most 2 048 characters, no spaces or control characters.
pub(crate) fn url(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(u) = value else { return Ok(None) };
    let ok = u.len() <= 2048
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
        && (u.starts_with("https://")
            || u.starts_with("http://")
            || (u.starts_with('/') && !u.starts_with("//")));
    if ok {
        Ok(Some(u.to_owned()))
    } else {
        Err(Error::invalid_input(
            field,
            format!(
                "{:?} must be an http(s) URL or a path starting with '/'",
                crate::error::shown(u)
            ),
        ))
    }
}

/// A phone number as people write it: 3–50 characters of digits, spaces and
/// `+ - ( ) .`, with at least 3 digits.
pub(crate) fn phone(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(p) = value.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let ok = p.len() <= 50
        && p.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && p.chars().filter(char::is_ascii_digit).count() >= 3;
    if ok {
        Ok(Some(p.to_owned()))
    } else {
        Err(Error::invalid_input(
            field,
            format!("{:?} is not a phone number", crate::error::shown(p)),
        ))
    }
}

/// A hex color such as `#1f883d`.
pub(crate) fn color(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(c)
            if c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|h| h.is_ascii_hexdigit()) =>
        {
            Ok(Some(c.to_ascii_lowercase()))
        }
        Some(c) => Err(Error::invalid_input(
            field,
            format!("{:?} is not a #rrggbb color", crate::error::shown(c)),
        )),
    }
}

/// A plausible e-mail address (one `@`, something on each side, no spaces).
pub(crate) fn email(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(e) => {
            let mut parts = e.split('@');
            let ok = matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None)
                if !l.is_empty() && d.contains('.') && !e.contains(|c: char| c.is_whitespace() || c.is_control()) && e.len() <= 254);
            if ok {
                Ok(Some(e.to_owned()))
            } else {
                Err(Error::invalid_input(
                    field,
                    format!("{:?} is not an e-mail address", crate::error::shown(e)),
                ))
            }
        }
    }
}
