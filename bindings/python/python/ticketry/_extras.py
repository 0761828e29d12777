"""Hand-written helpers of the generated modules (``models.py``, ``_ops.py``):
the behaviour a few models add to their fields, the generic ``Page``, and
how the typed methods take ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Dict, Generic, Iterable, Iterator, List, Optional, Tuple, TypeVar, Union
from uuid import UUID

if TYPE_CHECKING:
    from typing import Protocol

    from .models import Actor, Link, SlaClock

    class _HasId(Protocol):
        @property
        def id(self) -> str: ...

# A Ticketry id: its str, a uuid.UUID, or the object (Ticket, Category, ...).
_Id = Union[str, UUID, "_HasId"]
# A host user id (agents, customers): str or int (a Django user pk), or the object.
_UserId = Union[str, int, "_HasId"]

T = TypeVar("T")


def _id(x: Any) -> Any:
    """An id as the table takes it: the ``id`` of an object, an ``int`` user id as text."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    if isinstance(x, UUID):
        return str(x)
    return getattr(x, "id", x)


def _ids(xs: Any) -> Any:
    """A list of ids from any ordered iterable (a list, a tuple, a generator,
    a Django ``values_list``). ``None``, a ``str``, a ``set`` (whose order is
    arbitrary) or a ``dict`` goes on as it is, for the native layer to accept
    or refuse naming the argument."""
    if xs is None or isinstance(xs, (str, bytes, set, frozenset, dict)):
        return xs
    try:
        items = iter(xs)
    except TypeError:
        return xs
    return [_id(x) for x in items]


def _kw(d: Dict[str, Any]) -> Dict[str, Any]:
    """The keywords a caller gave (``None``: the core's default)."""
    return {k: v for k, v in d.items() if v is not None}


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; pass ``next_cursor`` as ``after`` for the next one."""

    items: Tuple[T, ...]
    next_cursor: Optional[str] = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _actor_type(name: str) -> Any:
    from .models import ActorType

    return ActorType(name)


class ActorMixin:
    """Builders of ``Actor``."""

    __slots__ = ()

    @classmethod
    def agent(cls, id: Union[str, int]) -> "Actor":
        return cls(type=_actor_type("agent"), id=str(id))  # type: ignore[call-arg, return-value]

    @classmethod
    def customer(cls, id: Union[str, int]) -> "Actor":
        return cls(type=_actor_type("customer"), id=str(id))  # type: ignore[call-arg, return-value]

    @classmethod
    def system(cls) -> "Actor":
        return cls(type=_actor_type("system"))  # type: ignore[call-arg, return-value]


class LinkMixin:
    """``kind:id`` text of a ``Link``."""

    __slots__ = ()
    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> "Link":
        kind, sep, id = text.partition(":")
        if not sep:
            raise ValueError(f"{text!r} is not kind:id")
        return cls(kind=kind, id=id)  # type: ignore[call-arg, return-value]


class SlaStateMixin:
    """Finding one clock of an ``SlaState``."""

    __slots__ = ()
    clocks: Tuple["SlaClock", ...]

    def clock(self, metric: str) -> Optional["SlaClock"]:
        return next((c for c in self.clocks if c.metric == metric), None)


class SegmentMixin:
    """The length of a ``Segment``."""

    __slots__ = ()
    start: Any
    end: Any

    @property
    def duration(self) -> timedelta:
        return self.end - self.start  # type: ignore[no-any-return]


__all__: List[str] = []
_unused: Iterable[Any] = ()


_ACTIVE = frozenset({"new", "open", "in_progress", "pending", "on_hold"})


class StatusMixin:
    """What a ``Status`` means for the queue."""

    __slots__ = ()

    @property
    def is_active(self) -> bool:
        """Still needs work (not resolved, closed or cancelled)."""
        return str(self) in _ACTIVE
