//! Small input checks shared by every entity, each returning a typed
//! [`Error::InvalidInput`] that names the field.

use crate::error::{Error, Result};

/// Trims `value` and checks it is 1..=`max` characters (see [`body`]).
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<String> {
    body(field, value.trim(), max).map(str::to_owned)
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

/// Checks a JSON object of the host's fields: no NUL character in any key or string.
pub(crate) fn json_fields(
    field: &str,
    value: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    fn clean(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => !s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().all(clean),
            serde_json::Value::Object(o) => o.iter().all(|(k, v)| !k.contains('\0') && clean(v)),
            _ => true,
        }
    }
    if value.iter().all(|(k, v)| !k.contains('\0') && clean(v)) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            "must not contain a NUL character",
        ))
    }
}

/// Like [`text`] but `None` and blank strings are allowed (and become `None`).
pub(crate) fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
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
            format!("{value:?} must be 1-64 characters of a-z, 0-9, '_', '-', '.', ':'"),
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
            format!("{c:?} is not a #rrggbb color"),
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
                if !l.is_empty() && d.contains('.') && !e.contains(char::is_whitespace) && e.len() <= 254);
            if ok {
                Ok(Some(e.to_owned()))
            } else {
                Err(Error::invalid_input(
                    field,
                    format!("{e:?} is not an e-mail address"),
                ))
            }
        }
    }
}
