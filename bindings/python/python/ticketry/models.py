"""Values Ticketry returns and accepts: str-valued enums and frozen dataclasses.

Every instant is an aware ``datetime`` in UTC, every duration a ``timedelta``,
every id a ``str``. Lists inside objects are tuples, so results are immutable
and compare by value. Objects built here (``Priority``, ``Tag``, ``SlaPolicy``,
``Link``, ``Attachment``, ``WorkspaceSettings``, ``Actor``) can be passed back
in; plain dicts with the same keys work too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Dict, Generic, Optional, Tuple, TypeVar, Union

__all__ = [
    "ActorType",
    "AlertKind",
    "AssignmentAction",
    "BoundaryMode",
    "Channel",
    "ClockStatus",
    "MessageKind",
    "PriorityPreset",
    "SlaMetric",
    "Status",
    "TicketOrder",
    "View",
    "Actor",
    "Agent",
    "AssignmentRecord",
    "Attachment",
    "Category",
    "Customer",
    "Event",
    "Link",
    "Message",
    "Page",
    "Pause",
    "PolicyConditions",
    "PolicyTarget",
    "Priority",
    "Satisfaction",
    "Segment",
    "SlaAlert",
    "SlaClock",
    "SlaExplanation",
    "SlaPolicy",
    "SlaState",
    "SweepReport",
    "Tag",
    "Team",
    "Template",
    "Thread",
    "Ticket",
    "TicketStats",
    "Workspace",
    "WorkspaceSettings",
]


class _StrEnum(str, enum.Enum):
    """A ``str``-valued enum: members compare equal to their value and format as it."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Status(_StrEnum):
    """Where a ticket is in its workflow."""

    NEW = "new"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        """Still needs work (not resolved, closed or cancelled)."""
        return self in _ACTIVE


_ACTIVE = frozenset(
    {Status.NEW, Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.ON_HOLD}
)


class Channel(_StrEnum):
    """Where a ticket came from."""

    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    SOCIAL = "social"
    API = "api"
    TELEGRAM = "telegram"


class MessageKind(_StrEnum):
    """Who wrote a message, and who sees it (``NOTE`` is internal)."""

    CUSTOMER = "customer"
    REPLY = "reply"
    NOTE = "note"
    SYSTEM = "system"


class View(_StrEnum):
    """Who reads a thread: agents see everything, customers no notes."""

    AGENT = "agent"
    CUSTOMER = "customer"


class TicketOrder(_StrEnum):
    """Order of a ticket listing."""

    NEWEST = "newest"
    OLDEST = "oldest"
    URGENCY = "urgency"


class AssignmentAction(_StrEnum):
    """What happened to a ticket's assignee."""

    ASSIGNED = "assigned"
    REASSIGNED = "reassigned"
    UNASSIGNED = "unassigned"
    ESCALATED = "escalated"


class SlaMetric(_StrEnum):
    """Which target an SLA clock measures."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class ClockStatus(_StrEnum):
    """An SLA clock's state."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class AlertKind(_StrEnum):
    """What an SLA sweep recorded."""

    WARNING = "warning"
    BREACHED = "breached"


class PriorityPreset(_StrEnum):
    """Ready-made priority sets."""

    LOW_TO_URGENT = "low_to_urgent"
    P0_TO_P3 = "p0_to_p3"


class ActorType(_StrEnum):
    """Kinds of actors."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class BoundaryMode(_StrEnum):
    """Where a due instant landing exactly on a closing time goes."""

    STAY_AT_CLOSE = "stay_at_close"
    NEXT_OPENING = "next_opening"


# ----- people and catalog -------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who did something. Build with ``Actor.agent(id)``, ``Actor.customer(id)``, ``Actor.system()``."""

    type: ActorType
    id: Optional[str] = None

    @classmethod
    def agent(cls, id: Union[str, int]) -> "Actor":
        return cls(ActorType.AGENT, str(id))

    @classmethod
    def customer(cls, id: Union[str, int]) -> "Actor":
        return cls(ActorType.CUSTOMER, str(id))

    @classmethod
    def system(cls) -> "Actor":
        return cls(ActorType.SYSTEM, None)


@dataclass(frozen=True)
class WorkspaceSettings:
    """Per-workspace settings. ``reopen_window=None``: closed tickets never reopen."""

    number_format: str = "TKT-{year}-{seq:05}"
    timezone: str = "UTC"
    locale: str = "en"
    reopen_window: Optional[timedelta] = timedelta(days=7)


@dataclass(frozen=True)
class Workspace:
    """A tenant of the help desk."""

    id: str
    name: str
    slug: str
    settings: WorkspaceSettings = field(repr=False)
    created_at: datetime = field(repr=False)


@dataclass(frozen=True)
class Priority:
    """A ticket priority of one workspace (larger ``rank`` is more urgent)."""

    code: str
    name: str
    rank: int
    color: Optional[str] = None
    first_response: Optional[timedelta] = None
    resolution: Optional[timedelta] = None
    is_default: bool = False


@dataclass(frozen=True)
class Category:
    """A ticket category (a tree via ``parent``) with routing defaults."""

    id: str
    name: str
    description: Optional[str]
    icon: Optional[str]
    parent: Optional[str]
    default_priority: Optional[str]
    default_team: Optional[str]
    default_assignee: Optional[str]
    position: int
    active: bool
    created_at: datetime = field(repr=False)


@dataclass(frozen=True)
class Team:
    """A group of agents."""

    id: str
    name: str
    description: Optional[str]
    lead: Optional[str]
    members: Tuple[str, ...]
    created_at: datetime = field(repr=False)


@dataclass(frozen=True)
class Agent:
    """A support staff member (by the host's user id)."""

    id: str
    name: str
    email: Optional[str]
    active: bool
    available: bool
    capacity: Optional[int]
    created_at: datetime = field(repr=False)


@dataclass(frozen=True)
class Customer:
    """An end user who asks for help (by the host's user id)."""

    id: str
    name: str
    email: Optional[str]
    tier: Optional[str]
    locale: Optional[str]
    created_at: datetime = field(repr=False)


@dataclass(frozen=True)
class Tag:
    """A tag's display metadata."""

    slug: str
    name: str
    color: Optional[str] = None


@dataclass(frozen=True)
class Template:
    """A canned reply (Jinja2 body)."""

    id: str
    name: str
    body: str = field(repr=False)
    language: Optional[str]
    category: Optional[str]
    usage_count: int
    active: bool
    created_at: datetime = field(repr=False)


# ----- tickets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A link to a record of the host application (``order:8812``)."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> "Link":
        """``Link.parse("order:8812")`` (validated by the core when used)."""
        kind, sep, id = text.partition(":")
        if not sep:
            raise ValueError(f"{text!r} is not kind:id")
        return cls(kind, id)


@dataclass(frozen=True)
class Attachment:
    """Metadata of a file the host stores (Ticketry never holds the bytes)."""

    filename: str
    size: int
    mime_type: str
    storage_key: str


@dataclass(frozen=True)
class Satisfaction:
    """A customer's rating, 1 to 5."""

    rating: int
    comment: Optional[str]
    rated_at: datetime


@dataclass(frozen=True)
class Pause:
    """A span during which an SLA clock was paused."""

    paused_at: datetime
    resumed_at: Optional[datetime]


@dataclass(frozen=True)
class SlaClock:
    """One SLA clock of a ticket."""

    metric: SlaMetric
    status: ClockStatus
    target: timedelta
    started_at: datetime = field(repr=False)
    consumed: timedelta = field(repr=False)
    running_since: Optional[datetime] = field(repr=False)
    due_at: Optional[datetime]
    warn_at: Optional[datetime] = field(repr=False)
    warned: bool = field(repr=False)
    breached_at: Optional[datetime] = field(repr=False)
    stopped_at: Optional[datetime] = field(repr=False)
    pauses: Tuple[Pause, ...] = field(repr=False)


@dataclass(frozen=True)
class SlaState:
    """All SLA clocks of a ticket, and the policy that applies (``None``: the priority's targets, 24/7)."""

    policy: Optional[str]
    clocks: Tuple[SlaClock, ...]

    def clock(self, metric: Union[SlaMetric, str]) -> Optional[SlaClock]:
        """The clock measuring ``metric``, if the ticket has one."""
        return next((c for c in self.clocks if c.metric == metric), None)


@dataclass(frozen=True)
class Ticket:
    """A support request."""

    id: str
    workspace_id: str = field(repr=False)
    seq: int = field(repr=False)
    number: str
    subject: str
    description: str = field(repr=False)
    status: Status
    priority: str
    category: Optional[str] = field(repr=False)
    channel: Channel = field(repr=False)
    customer: str
    assignee: Optional[str]
    team: Optional[str] = field(repr=False)
    tags: Tuple[str, ...] = field(repr=False)
    links: Tuple[Link, ...] = field(repr=False)
    custom_fields: Dict[str, Any] = field(repr=False)
    created_at: datetime = field(repr=False)
    updated_at: datetime = field(repr=False)
    first_response_at: Optional[datetime] = field(repr=False)
    resolved_at: Optional[datetime] = field(repr=False)
    closed_at: Optional[datetime] = field(repr=False)
    awaiting_reply_since: Optional[datetime] = field(repr=False)
    satisfaction: Optional[Satisfaction] = field(repr=False)
    sla: SlaState = field(repr=False)
    version: int = field(repr=False)


@dataclass(frozen=True)
class Message:
    """One entry of a ticket's thread."""

    id: str
    ticket_id: str = field(repr=False)
    kind: MessageKind
    author: Actor
    body: str
    html: Optional[str] = field(repr=False)
    attachments: Tuple[Attachment, ...] = field(repr=False)
    email_message_id: Optional[str] = field(repr=False)
    idempotency_key: Optional[str] = field(repr=False)
    created_at: datetime = field(repr=False)


@dataclass(frozen=True)
class Thread:
    """A ticket with its messages, as one reader sees it."""

    ticket: Ticket
    messages: Tuple[Message, ...]


@dataclass(frozen=True)
class AssignmentRecord:
    """One entry of a ticket's assignment history."""

    ticket_id: str = field(repr=False)
    action: AssignmentAction
    from_agent: Optional[str]
    to_agent: Optional[str]
    team: Optional[str]
    by: Actor
    reason: Optional[str]
    at: datetime


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; pass ``next_cursor`` as ``after`` for the next (``None`` on the last)."""

    items: Tuple[T, ...]
    next_cursor: Optional[str]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class TicketStats:
    """Ticket counts of a workspace (every status present, zero if none)."""

    total: int
    by_status: Dict[Status, int]


@dataclass(frozen=True)
class Event:
    """A recorded event. ``type`` is the dotted name (``ticket.created``),
    ``data`` its fields (typed: enums, datetimes)."""

    seq: int
    workspace_id: str = field(repr=False)
    ticket_id: Optional[str]
    actor: Actor
    at: datetime = field(repr=False)
    type: str
    data: Dict[str, Any]


# ----- SLA ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyConditions:
    """When a policy applies; each non-empty list must contain the ticket's value."""

    priorities: Tuple[str, ...] = ()
    categories: Tuple[str, ...] = ()
    channels: Tuple[Channel, ...] = ()
    tags: Tuple[str, ...] = ()
    customer_tiers: Tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyTarget:
    """Business-time targets of one priority under a policy."""

    priority: str
    first_response: Optional[timedelta] = None
    next_response: Optional[timedelta] = None
    resolution: Optional[timedelta] = None


@dataclass(frozen=True)
class SlaPolicy:
    """An SLA policy. ``calendar`` is the calendar's JSON shape (a ``dict``;
    a ``Calendar`` or JSON ``str`` is accepted), ``None`` meaning 24/7.
    ``warning`` is a percentage of the target (1-99) or a ``timedelta``
    before the due instant. ``id=None`` gets a fresh id when saved."""

    name: str
    targets: Tuple[PolicyTarget, ...]
    id: Optional[str] = None
    conditions: PolicyConditions = PolicyConditions()
    calendar: Optional[Any] = field(default=None, repr=False)
    warning: Union[int, timedelta] = 80
    pause_on: Tuple[Status, ...] = (Status.PENDING, Status.ON_HOLD)
    active: bool = True


@dataclass(frozen=True)
class SlaAlert:
    """A warning or breach a sweep recorded."""

    ticket_id: str
    number: str
    metric: SlaMetric
    kind: AlertKind
    due_at: datetime


@dataclass(frozen=True)
class SweepReport:
    """What one ``sla_sweep`` recorded."""

    alerts: Tuple[SlaAlert, ...]
    examined: int


@dataclass(frozen=True)
class Segment:
    """A stretch of business time ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class SlaExplanation:
    """Why a clock's due instant is what it is; ``lines`` says it in sentences."""

    metric: SlaMetric
    status: ClockStatus
    policy: Optional[str]
    policy_name: Optional[str]
    timezone: str
    target: timedelta
    started_at: datetime = field(repr=False)
    consumed: timedelta = field(repr=False)
    remaining: timedelta = field(repr=False)
    due_at: Optional[datetime]
    breached_at: Optional[datetime] = field(repr=False)
    stopped_at: Optional[datetime] = field(repr=False)
    pauses: Tuple[Pause, ...] = field(repr=False)
    segments: Tuple[Segment, ...] = field(repr=False)
    holidays_skipped: Tuple[date, ...] = field(repr=False)
    lines: Tuple[str, ...] = field(repr=False)
