//! The JSON/serde configuration shape of a business calendar.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{CalendarError, CalendarErrorKind};

/// What a due instant that lands exactly on the end of an open interval becomes.
///
/// With `StayAtClose` (the default) `09:00 + 3 h` on a `09–12, 13–17` day is `12:00`; with
/// `NextOpening` (Zendesk/Zammad behaviour, for teams migrating from them) it is `13:00`.
/// The SLA breach rule is the same in both modes: a target is **breached iff the instant is
/// strictly after the due instant** ([`BusinessCalendar::is_breached`](super::BusinessCalendar::is_breached)).
/// Under `StayAtClose` a reply at 12:00:00 is on time and 12:00:00.000000001 is late; under
/// `NextOpening` anything up to 13:00:00 is on time, which is what those products report.
///
/// JSON: `"boundary": "stay_at_close"` or `"boundary": "next_opening"` (optional).
///
/// ```
/// use ticketry_core::calendar::BoundaryMode;
///
/// assert_eq!(BoundaryMode::default(), BoundaryMode::StayAtClose);
/// let m: BoundaryMode = serde_json::from_str("\"next_opening\"").expect("valid");
/// assert_eq!(m, BoundaryMode::NextOpening);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BoundaryMode {
    /// A due instant landing exactly on an interval end stays at that end (default).
    #[default]
    StayAtClose,
    /// A due instant landing exactly on an interval end moves to the next opening.
    NextOpening,
}

/// One interval on one local date: `{"date": "2026-12-31", "from": "12:00", "to": "24:00"}`.
///
/// Used for `partial_holidays` (closed during `[from, to)` on that date) and `extra_windows`
/// (additionally open during `[from, to)` on that date).
///
/// ```
/// use ticketry_core::calendar::DateWindow;
///
/// let w: DateWindow = serde_json::from_str(r#"{"date":"2026-12-19","from":"09:00","to":"13:00"}"#)
///     .expect("valid");
/// assert_eq!(w.to, "13:00");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DateWindow {
    /// Local date, `"YYYY-MM-DD"`.
    pub date: String,
    /// Local start time, `"HH:MM"` or `"HH:MM:SS"`.
    pub from: String,
    /// Local end time (exclusive), `"HH:MM"`, `"HH:MM:SS"` or `"24:00"`.
    pub to: String,
}

/// A list of half-open local-time intervals `[["09:00","12:00"], ["13:00","17:00"]]`.
///
/// ```
/// use ticketry_core::calendar::DayHours;
///
/// let hours: DayHours = serde_json::from_str(r#"[["22:00","24:00"]]"#).expect("valid");
/// assert_eq!(hours[0][1], "24:00");
/// ```
pub type DayHours = Vec<[String; 2]>;

/// Opening hours per weekday; a missing (or `null`) day is closed.
///
/// ```
/// use ticketry_core::calendar::WeeklyHours;
///
/// let w: WeeklyHours = serde_json::from_str(r#"{"mon": [["09:00","17:00"]]}"#).expect("valid");
/// assert!(w.mon.is_some() && w.sun.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// Monday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mon: Option<DayHours>,
    /// Tuesday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tue: Option<DayHours>,
    /// Wednesday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wed: Option<DayHours>,
    /// Thursday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thu: Option<DayHours>,
    /// Friday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fri: Option<DayHours>,
    /// Saturday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sat: Option<DayHours>,
    /// Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sun: Option<DayHours>,
}

/// The JSON keys of [`WeeklyHours`], Monday first.
pub(crate) const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WeeklyHours {
    /// The seven days, Monday first, with their JSON key.
    ///
    /// ```
    /// # use ticketry_core::calendar::WeeklyHours;
    /// let weekly = WeeklyHours::default();
    /// assert_eq!(weekly.days()[6], ("sun", None));
    /// ```
    pub fn days(&self) -> [(&'static str, Option<&DayHours>); 7] {
        let d = [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ];
        std::array::from_fn(|i| (DAY_KEYS[i], d[i].as_ref()))
    }
}

/// A business calendar as data: exactly the JSON shape hosts store.
///
/// ```json
/// {"timezone": "Europe/Berlin",
///  "weekly": {"mon": [["09:00","12:00"],["13:00","17:00"]], "tue": [["09:00","17:00"]]},
///  "holidays": ["2026-12-25"],
///  "recurring_holidays": ["01-01"],
///  "partial_holidays": [{"date": "2026-12-31", "from": "12:00", "to": "24:00"}],
///  "extra_windows": [{"date": "2026-12-19", "from": "09:00", "to": "13:00"}],
///  "boundary": "stay_at_close"}
/// ```
///
/// Only `timezone` and `weekly` are required; unknown keys are rejected. Values are kept as
/// the strings the host wrote (so [`BusinessCalendar::config`](super::BusinessCalendar::config)
/// serializes back to the same data) and validated by
/// [`BusinessCalendar::from_config`](super::BusinessCalendar::from_config).
///
/// ```
/// use ticketry_core::calendar::CalendarConfig;
///
/// let json = r#"{"timezone":"UTC","weekly":{"mon":[["09:00","17:00"]]},"holidays":["2026-12-25"]}"#;
/// let cfg: CalendarConfig = serde_json::from_str(json).expect("valid shape");
/// assert_eq!(serde_json::to_string(&cfg).expect("serializable"), json);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone name, e.g. `"Europe/Berlin"` or `"UTC"`.
    pub timezone: String,
    /// Weekly opening hours in local wall-clock time.
    pub weekly: WeeklyHours,
    /// Closed local dates, `"YYYY-MM-DD"` (whole local days, even 23 h/25 h ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
    /// Closed every year on this month-day, `"MM-DD"` (`"02-29"` only in leap years).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recurring_holidays: Vec<String>,
    /// Closed during `[from, to)` on a local date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial_holidays: Vec<DateWindow>,
    /// Additionally open during `[from, to)` on a local date (wins over holidays).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_windows: Vec<DateWindow>,
    /// Boundary convention; absent means [`BoundaryMode::StayAtClose`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<BoundaryMode>,
}

impl CalendarConfig {
    /// The 24/7 calendar: UTC, every day `00:00–24:00`, no holidays.
    ///
    /// ```
    /// use ticketry_core::calendar::CalendarConfig;
    ///
    /// let cfg = CalendarConfig::always_open();
    /// assert_eq!(cfg.timezone, "UTC");
    /// assert_eq!(cfg.weekly.days().iter().filter(|d| d.1.is_some()).count(), 7);
    /// ```
    pub fn always_open() -> Self {
        let all = || Some(vec![["00:00".to_owned(), "24:00".to_owned()]]);
        Self {
            timezone: "UTC".to_owned(),
            weekly: WeeklyHours {
                mon: all(),
                tue: all(),
                wed: all(),
                thu: all(),
                fri: all(),
                sat: all(),
                sun: all(),
            },
            holidays: Vec::new(),
            recurring_holidays: Vec::new(),
            partial_holidays: Vec::new(),
            extra_windows: Vec::new(),
            boundary: None,
        }
    }

    /// Whether this calendar is open at every instant: every day exactly
    /// `00:00–24:00` and no (recurring or partial) holidays. Such a day is
    /// continuous even across DST switches, so business time is elapsed time.
    ///
    /// ```
    /// use ticketry_core::calendar::CalendarConfig;
    /// assert!(CalendarConfig::always_open().is_always_open());
    /// let mut c = CalendarConfig::always_open();
    /// c.holidays.push("2026-12-25".into());
    /// assert!(!c.is_always_open());
    /// ```
    pub fn is_always_open(&self) -> bool {
        let whole_day = |d: Option<&DayHours>| {
            d.is_some_and(|d| {
                matches!(d.as_slice(), [[from, to]]
                    if matches!(from.as_str(), "00:00" | "00:00:00") && matches!(to.as_str(), "24:00" | "24:00:00"))
            })
        };
        self.holidays.is_empty()
            && self.recurring_holidays.is_empty()
            && self.partial_holidays.is_empty()
            && self.weekly.days().iter().all(|(_, d)| whole_day(*d))
    }

    /// Parses the JSON shape, reporting structural errors with the path of the offending
    /// field (`weekly.mon[1]`, `partial_holidays[0].from`, an unknown key, ...).
    ///
    /// This only checks the shape; values are validated when compiling.
    ///
    /// ```
    /// use ticketry_core::calendar::{CalendarConfig, CalendarErrorKind};
    ///
    /// let err = CalendarConfig::from_json(r#"{"timezone":"UTC","weekly":{"mon":[["09:00"]]}}"#)
    ///     .expect_err("interval needs two times");
    /// assert_eq!((err.kind(), err.field()), (CalendarErrorKind::WrongType, "weekly.mon[0]"));
    /// ```
    pub fn from_json(json: &str) -> Result<Self, CalendarError> {
        match serde_json::from_str::<Self>(json) {
            Ok(cfg) => Ok(cfg),
            Err(err) => {
                let located = serde_json::from_str::<Value>(json)
                    .ok()
                    .and_then(|v| locate(&v).err());
                Err(located.unwrap_or_else(|| {
                    CalendarError::new(CalendarErrorKind::Syntax, "", err.to_string())
                }))
            }
        }
    }
}

const TOP_KEYS: [&str; 7] = [
    "timezone",
    "weekly",
    "holidays",
    "recurring_holidays",
    "partial_holidays",
    "extra_windows",
    "boundary",
];
const WINDOW_KEYS: [&str; 3] = ["date", "from", "to"];

fn wrong_type(field: impl Into<String>, expected: &str) -> CalendarError {
    CalendarError::new(
        CalendarErrorKind::WrongType,
        field,
        format!("expected {expected}"),
    )
}

fn check_keys(
    obj: &serde_json::Map<String, Value>,
    known: &[&str],
    prefix: &str,
) -> Result<(), CalendarError> {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            return Err(CalendarError::new(
                CalendarErrorKind::UnknownField,
                format!("{prefix}{key}"),
                format!(
                    "unknown field `{key}`, expected one of {}",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn string_list(v: &Value, field: &str) -> Result<(), CalendarError> {
    let arr = v
        .as_array()
        .ok_or_else(|| wrong_type(field, "an array of strings"))?;
    for (i, item) in arr.iter().enumerate() {
        if !item.is_string() {
            return Err(wrong_type(format!("{field}[{i}]"), "a string"));
        }
    }
    Ok(())
}

fn window_list(v: &Value, field: &str) -> Result<(), CalendarError> {
    let arr = v.as_array().ok_or_else(|| {
        wrong_type(
            field,
            "an array of {\"date\": ..., \"from\": ..., \"to\": ...} objects",
        )
    })?;
    for (i, item) in arr.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let obj = item
            .as_object()
            .ok_or_else(|| wrong_type(path.as_str(), "an object with date, from and to"))?;
        check_keys(obj, &WINDOW_KEYS, &format!("{path}."))?;
        for key in WINDOW_KEYS {
            match obj.get(key) {
                None => {
                    return Err(CalendarError::new(
                        CalendarErrorKind::MissingField,
                        format!("{path}.{key}"),
                        format!("missing field `{key}`"),
                    ));
                }
                Some(Value::String(_)) => {}
                Some(_) => return Err(wrong_type(format!("{path}.{key}"), "a string")),
            }
        }
    }
    Ok(())
}

/// Walks a JSON value that failed to deserialize and names the first offending field.
fn locate(v: &Value) -> Result<(), CalendarError> {
    let obj = v
        .as_object()
        .ok_or_else(|| wrong_type("", "a JSON object"))?;
    check_keys(obj, &TOP_KEYS, "")?;
    for key in ["timezone", "weekly"] {
        if !obj.contains_key(key) {
            return Err(CalendarError::new(
                CalendarErrorKind::MissingField,
                key,
                format!("missing field `{key}`"),
            ));
        }
    }
    if let Some(tz) = obj.get("timezone")
        && !tz.is_string()
    {
        return Err(wrong_type("timezone", "a time zone name string"));
    }
    if let Some(weekly) = obj.get("weekly") {
        let days = weekly
            .as_object()
            .ok_or_else(|| wrong_type("weekly", "an object with keys mon..sun"))?;
        check_keys(days, &DAY_KEYS, "weekly.")?;
        for (day, hours) in days {
            let field = format!("weekly.{day}");
            if hours.is_null() {
                continue;
            }
            let arr = hours
                .as_array()
                .ok_or_else(|| wrong_type(field.as_str(), "an array of [start, end] pairs"))?;
            for (i, pair) in arr.iter().enumerate() {
                let ok = pair
                    .as_array()
                    .is_some_and(|p| p.len() == 2 && p.iter().all(Value::is_string));
                if !ok {
                    return Err(wrong_type(
                        format!("{field}[{i}]"),
                        "an array of two time strings [\"HH:MM\", \"HH:MM\"]",
                    ));
                }
            }
        }
    }
    for key in ["holidays", "recurring_holidays"] {
        if let Some(list) = obj.get(key) {
            string_list(list, key)?;
        }
    }
    for key in ["partial_holidays", "extra_windows"] {
        if let Some(list) = obj.get(key) {
            window_list(list, key)?;
        }
    }
    if let Some(b) = obj.get("boundary")
        && !b.is_null()
        && !matches!(b.as_str(), Some("stay_at_close" | "next_opening"))
    {
        return Err(wrong_type(
            "boundary",
            "\"stay_at_close\" or \"next_opening\"",
        ));
    }
    Ok(())
}
