"""Support metrics for staff: ``stats/metrics/`` (JSON), ``stats/metrics.csv``,
``stats/daily/`` (the stored daily statistics) and ``dashboard/``, an HTML page
with today's numbers, volume per day, the first-response and resolution trend
and SLA compliance, drawn as server-rendered SVG (no script, no asset)."""

from __future__ import annotations

import dataclasses
import enum
import html
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import HttpResponse, StreamingHttpResponse

from .views import ApiError, Call, endpoint, instant_param, staff_filters

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """A model (dataclass) as JSON: instants in ISO 8601, durations in seconds."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _period(c: Call, days: int = 30) -> Tuple[datetime, datetime]:
    # Default: up to now included (what was recorded earlier in this
    # microsecond is before the next one).
    until = instant_param(c, "until", datetime.now(timezone.utc) + timedelta(microseconds=1))
    return instant_param(c, "since", until - timedelta(days=days)), until


def _grouping(c: Call) -> Tuple[Optional[str], Optional[str]]:
    return c.request.GET.get("interval") or None, c.request.GET.get("group_by") or None


def metrics(c: Call) -> Any:
    """``?since=&until=`` (default the last 30 days), ``&interval=day|week|month``,
    ``&group_by=agent|team|category|priority|channel``."""
    since, until = _period(c)
    interval, group_by = _grouping(c)
    return 200, jsonable(c.desk.metrics(since, until, interval=interval, group_by=group_by))


def metrics_csv(c: Call) -> Any:
    since, until = _period(c)
    interval, group_by = _grouping(c)
    body = c.desk.export_metrics_csv(since, until, interval=interval, group_by=group_by)
    if c.request.GET.get("bom") in ("1", "true"):
        body = "\ufeff" + body  # lets Excel read UTF-8
    resp = HttpResponse(body, content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="metrics.csv"'
    return 200, resp


def export_tickets(c: Call) -> Any:
    """The staff queue's filters (as ``tickets/all/``) as CSV, streamed a page
    at a time: ``?columns=number,subject,…`` (default all the usual ones),
    ``&bom=1`` for Excel; instants in the workspace's time zone."""
    query = {k: v for k, v in staff_filters(c).items() if k not in ("after", "limit")}
    query["limit"] = 500
    columns = [x for x in c.request.GET.get("columns", "").split(",") if x] or None
    bom = c.request.GET.get("bom") in ("1", "true")
    # The first page is read before answering, so a bad filter is a JSON error.
    first = c.desk.export_tickets_csv_page(query=query, columns=columns, bom=bom)

    def pages() -> Iterator[str]:
        page = first
        yield page.csv
        while page.next_cursor:
            page = c.desk.export_tickets_csv_page(query={**query, "after": page.next_cursor}, columns=columns)
            yield page.csv

    resp = StreamingHttpResponse(pages(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="tickets.csv"'
    return 200, resp


def daily(c: Call) -> Any:
    """``?from=&to=`` (``YYYY-MM-DD``; default the last 30 days)."""
    today = datetime.now(timezone.utc).date()
    raw_from, raw_to = c.request.GET.get("from"), c.request.GET.get("to")
    try:
        to = date.fromisoformat(raw_to) if raw_to else today
        since = date.fromisoformat(raw_from) if raw_from else None
    except ValueError:
        raise ApiError(400, "invalid_input", "from and to must be YYYY-MM-DD dates", "from") from None
    for name, day in (("to", to), ("from", since)):
        if day is not None and not date(1970, 1, 1) <= day <= date(9999, 12, 31):
            raise ApiError(400, "invalid_input", f"{name} must be between 1970-01-01 and 9999-12-31", name)
    if since is None:
        since = max(to - timedelta(days=30), date(1970, 1, 1))
    return 200, [jsonable(s) for s in c.desk.daily_stats(since.isoformat(), to.isoformat())]


# ----- the dashboard page -------------------------------------------------------------

_W, _H, _PAD = 640, 180, 30


def _bars(days: Sequence[str], series: Sequence[Tuple[str, str, Sequence[float]]]) -> str:
    """A grouped bar chart: one group per day, one bar per series."""
    top = max([max(v, default=0) for _, _, v in series] + [1])
    n, k = max(len(days), 1), len(series)
    slot = (_W - 2 * _PAD) / n
    bar = slot * 0.8 / k
    out = []
    for i, day in enumerate(days):
        for j, (name, color, values) in enumerate(series):
            h = (_H - 2 * _PAD) * values[i] / top
            x = _PAD + i * slot + j * bar
            out.append(f'<rect class="bar {name}" x="{x:.1f}" y="{_H - _PAD - h:.1f}" width="{bar:.1f}" '
                       f'height="{h:.1f}" fill="{color}"><title>{html.escape(day)} {name}: {values[i]:g}</title></rect>')
        if i % max(1, n // 7) == 0:
            out.append(f'<text x="{_PAD + i * slot:.1f}" y="{_H - 8}" font-size="10">{html.escape(day[5:])}</text>')
    return _svg(out, top, series)


def _lines(days: Sequence[str], series: Sequence[Tuple[str, str, Sequence[Optional[float]]]]) -> str:
    """A line chart (hours), gaps where a day has no value."""
    top = max([max((v for v in vs if v is not None), default=0) for _, _, vs in series] + [1])
    n = max(len(days) - 1, 1)
    out = []
    for name, color, values in series:
        points = [
            f"{_PAD + i * (_W - 2 * _PAD) / n:.1f},{_H - _PAD - (_H - 2 * _PAD) * v / top:.1f}"
            for i, v in enumerate(values) if v is not None
        ]
        out.append(f'<polyline class="line {name}" fill="none" stroke="{color}" stroke-width="2" '
                   f'points="{" ".join(points)}"/>')
        out.extend(f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3" fill="{color}"/>' for p in points)
    return _svg(out, top, series)


def _svg(parts: List[str], top: float, series: Sequence[Tuple[str, str, Any]]) -> str:
    legend = "".join(
        f'<text x="{_PAD + 150 * i}" y="14" font-size="11" fill="{color}">{html.escape(name)}</text>'
        for i, (name, color, _) in enumerate(series)
    )
    axis = (f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#999"/>'
            f'<text x="2" y="{_PAD}" font-size="10">{top:g}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img">'
            f"{axis}{legend}{''.join(parts)}</svg>")


def _hours(d: Optional[timedelta]) -> Optional[float]:
    return None if d is None else round(d.total_seconds() / 3600, 2)


def _fmt_hours(d: Optional[timedelta]) -> str:
    h = _hours(d)
    return "—" if h is None else f"{h:g} h"


def dashboard(c: Call) -> Any:
    """Today's numbers, then the last ``?days=`` (default 14) days."""
    try:
        days = min(max(int(c.request.GET.get("days", "14")), 1), 92)
    except ValueError:
        raise ApiError(400, "invalid_input", "days must be a number", "days") from None
    now = datetime.now(timezone.utc)
    today = c.desk.dashboard()
    # The first day's local midnight, counted in local days (DST-safe).
    zone = ZoneInfo(c.desk.info().settings.timezone)
    first = today.day_start.astimezone(zone).date() - timedelta(days=days - 1)
    since = datetime.combine(first, time(0), tzinfo=zone).astimezone(timezone.utc)
    m = c.desk.metrics(since, now, interval="day")
    labels = [g.start.astimezone(zone).date().isoformat() if g.start else "" for g in m.groups]
    rows = [g.figures for g in m.groups]
    volume = _bars(labels, [
        ("created", "#3b6fd8", [r.created for r in rows]),
        ("resolved", "#2e9e5b", [r.resolved for r in rows]),
    ])
    trend = _lines(labels, [
        ("median first response (h)", "#d8733b", [_hours(r.first_response.median) for r in rows]),
        ("median resolution (h)", "#7a3bd8", [_hours(r.resolution.median) for r in rows]),
    ])
    sla_rows = "".join(
        f'<tr><td>{html.escape(str(s.metric))}</td><td class="num">{s.met}</td><td class="num">{s.breached}</td>'
        f'<td class="num">{s.running}</td><td class="num">'
        f'{"—" if s.compliance is None else f"{s.compliance * 100:.1f} %"}</td></tr>'
        for s in m.totals.sla
    ) or '<tr><td colspan="5">No SLA figures in the period.</td></tr>'
    tiles: List[Tuple[str, Any]] = [
        ("Active", today.active), ("Created today", today.created_today), ("Resolved today", today.resolved_today),
        ("Closed today", today.closed_today), ("Breaching now", today.breaching_now),
        ("Due within an hour", today.due_within_hour), ("Avg first response", _fmt_hours(today.avg_first_response)),
        ("Avg resolution", _fmt_hours(today.avg_resolution)),
    ]
    tile_html = "".join(
        f'<div class="tile" data-metric="{html.escape(name)}"><div class="label">{html.escape(name)}</div>'
        f'<div class="value">{html.escape(str(value))}</div></div>'
        for name, value in tiles
    )
    csv_href = "../stats/metrics.csv?" + urlencode(
        {"interval": "day", "since": since.isoformat(), "until": now.isoformat(), "bom": "1"}
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support dashboard</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; }}
.tiles {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; max-width: 720px; }}
.tile {{ border: 1px solid #ddd; border-radius: 8px; padding: 10px; }}
.label {{ font-size: 12px; color: #666; }} .value {{ font-size: 24px; font-weight: 600; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #eee; padding: 4px 10px; }}
.num {{ text-align: right; }}
</style></head><body>
<h1>Support dashboard</h1>
<section id="today"><h2>Today</h2><div class="tiles">{tile_html}</div></section>
<section id="volume"><h2>Volume per day (last {days} days)</h2>{volume}</section>
<section id="trend"><h2>First response and resolution (median, hours)</h2>{trend}</section>
<section id="sla"><h2>SLA compliance</h2><table><tr><th>Metric</th><th>Met</th><th>Breached</th><th>Running</th>
<th>Compliance</th></tr>{sla_rows}</table></section>
<p><a id="csv" href="{html.escape(csv_href)}">Download these metrics as CSV</a></p>
</body></html>"""
    return 200, HttpResponse(page, content_type="text/html; charset=utf-8")


metrics_view = endpoint(GET=("view_stats", metrics))
metrics_csv_view = endpoint(GET=("view_stats", metrics_csv))
daily_view = endpoint(GET=("view_stats", daily))
export_view = endpoint(GET=("list_all_tickets", export_tickets))
dashboard_page: Callable[..., Any] = endpoint(GET=("view_stats", dashboard))
