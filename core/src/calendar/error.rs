//! The typed error of the calendar engine.

/// What went wrong, without the field; see [`CalendarError::kind`].
///
/// ```
/// use ticketry_core::calendar::{BusinessCalendar, CalendarErrorKind};
///
/// let err = BusinessCalendar::from_json(r#"{"timezone": "Mars/Olympus", "weekly": {}}"#)
///     .expect_err("no such zone");
/// assert_eq!(err.kind(), CalendarErrorKind::UnknownTimeZone);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CalendarErrorKind {
    /// The text is not JSON at all (syntax error, trailing characters, duplicate key).
    Syntax,
    /// A JSON key the schema does not know (`deny_unknown_fields`).
    UnknownField,
    /// A required key (`timezone`, `weekly`, `date`, `from`, `to`) is missing.
    MissingField,
    /// A JSON value of the wrong type (for example a number where a time string is expected).
    WrongType,
    /// The time zone is not in the IANA database shipped with `chrono-tz`.
    UnknownTimeZone,
    /// A time is not `"HH:MM"`/`"HH:MM:SS"`, or `"24:00"` is used as a start.
    InvalidTime,
    /// A date is not `"YYYY-MM-DD"` (or `"MM-DD"` for recurring holidays) or does not exist.
    InvalidDate,
    /// An interval whose start is not strictly before its end.
    EmptyInterval,
    /// A weekly interval starts before the previous interval of the same day starts.
    UnsortedIntervals,
    /// A weekly interval starts before the previous interval of the same day ends.
    OverlappingIntervals,
    /// [`BusinessCalendar::try_add`](super::BusinessCalendar::try_add) got a negative duration.
    NegativeDuration,
    /// The calendar has no (more) business time after the start, so no due instant exists.
    NoBusinessTime,
    /// The result would fall outside the range `chrono` can represent.
    OutOfRange,
    /// A list is longer than [`limits`](crate::limits) allows (intervals a
    /// day, holidays, windows): compiling it would cost too much.
    TooLarge,
}

/// A configuration or evaluation error naming the offending field.
///
/// `field()` is a path into the JSON document such as `timezone`, `weekly.mon[1]`,
/// `holidays[3]`, `partial_holidays[0].from` (empty for whole-document syntax errors), or
/// `duration` / `start` for evaluation errors. `Display` prints `"{field}: {message}"`.
///
/// ```
/// use ticketry_core::calendar::{BusinessCalendar, CalendarErrorKind};
///
/// let json = r#"{"timezone": "UTC", "weekly": {"mon": [["09:00","12:00"], ["11:00","17:00"]]}}"#;
/// let err = BusinessCalendar::from_json(json).expect_err("overlap");
/// assert_eq!(err.field(), "weekly.mon[1]");
/// assert_eq!(err.kind(), CalendarErrorKind::OverlappingIntervals);
/// assert!(err.to_string().starts_with("weekly.mon[1]: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{}", .field, if .field.is_empty() { "" } else { ": " }, .message)]
pub struct CalendarError {
    kind: CalendarErrorKind,
    field: String,
    message: String,
}

impl CalendarError {
    /// The service error for this calendar error, its field under `prefix`
    /// (`calendar.` or `policies[0].calendar.`): always `invalid_input`.
    ///
    /// ```
    /// use ticketry_core::calendar::CalendarConfig;
    /// let e = CalendarConfig::from_json(r#"{"timezone":"Mars/Base","weekly":{}}"#)
    ///     .and_then(|c| ticketry_core::calendar::BusinessCalendar::from_config(&c).map(|_| ()))
    ///     .unwrap_err();
    /// let e = e.to_error("calendar.");
    /// assert_eq!((e.code(), e.to_string().starts_with("invalid input: calendar.timezone")), ("invalid_input", true));
    /// ```
    pub fn to_error(&self, prefix: &str) -> crate::Error {
        crate::Error::invalid_input(
            format!("{prefix}{}", self.field()),
            self.message().to_owned(),
        )
    }

    pub(crate) fn new(
        kind: CalendarErrorKind,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            field: field.into(),
            message: message.into(),
        }
    }

    /// The path of the offending field, e.g. `weekly.mon[1]` (see the type docs).
    ///
    /// ```
    /// # use ticketry_core::calendar::BusinessCalendar;
    /// let err = BusinessCalendar::from_json(r#"{"timezone":"UTC","weekly":{},"holidays":["2026-02-30"]}"#)
    ///     .expect_err("no Feb 30");
    /// assert_eq!(err.field(), "holidays[0]");
    /// ```
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The human-readable message, without the field prefix.
    ///
    /// ```
    /// # use ticketry_core::calendar::BusinessCalendar;
    /// let err = BusinessCalendar::from_json(r#"{"timezone":"UTC","weekly":{"tue":[["9:00","12:00"]]}}"#)
    ///     .expect_err("needs two-digit hours");
    /// assert!(err.message().contains("9:00"));
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The category of the error.
    ///
    /// ```
    /// # use ticketry_core::calendar::{BusinessCalendar, CalendarErrorKind};
    /// let err = BusinessCalendar::from_json(r#"{"timezone":"UTC","weekly":{},"colour":"red"}"#)
    ///     .expect_err("unknown key");
    /// assert_eq!((err.kind(), err.field()), (CalendarErrorKind::UnknownField, "colour"));
    /// ```
    pub fn kind(&self) -> CalendarErrorKind {
        self.kind
    }
}
