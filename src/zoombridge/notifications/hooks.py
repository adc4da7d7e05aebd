"""What domains above notifications plug in (connected by `zoombridge.wiring`), so that
notifications never imports them:

- **reminder recipients**: who an event reminder goes to, for events whose people are not
  order attendees (a course event's enrolled learners). A source answers None for events it
  does not know; the first answer that is not None is used, else the event's attendees;
- **email kinds and their values**: a template a higher domain sends (a learner's sign-in link,
  a learner's reminder) and the function that reads its values when the email is rendered.
  Values named in `hidden` (a one-time sign-in link) go into the email that leaves but never
  into the copy the outbox keeps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.events.models import Event
from zoombridge.notifications.defaults import TemplateKind, register_kind
from zoombridge.notifications.models import OutboundEmail, Reminder


@dataclass(frozen=True)
class Recipient:
    template_key: str
    to_address: str
    to_name: str
    key: str  # who, within one reminder (its dedupe key's last part)
    context: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EmailValues:
    values: dict[str, str]
    hidden: frozenset[str] = frozenset()


RecipientSource = Callable[[AsyncSession, Event, Reminder], Awaitable[list[Recipient] | None]]
ValueSource = Callable[[AsyncSession, OutboundEmail], Awaitable[EmailValues | None]]

_recipient_sources: list[RecipientSource] = []
_value_sources: dict[str, ValueSource] = {}


def add_reminder_recipients(source: RecipientSource) -> None:
    """Register `source` (registering it again changes nothing)."""
    if source not in _recipient_sources:
        _recipient_sources.append(source)


def reminder_recipient_sources() -> tuple[RecipientSource, ...]:
    return tuple(_recipient_sources)


def add_email_kind(kind: TemplateKind, values: ValueSource) -> None:
    """A template of a higher domain, and how its values are read at send time."""
    register_kind(kind)
    _value_sources[kind.key] = values


def value_source(template_key: str) -> ValueSource | None:
    return _value_sources.get(template_key)
