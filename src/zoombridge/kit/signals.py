"""Signals: a domain announces a change; the domains above it react, in the same transaction.

Domains form a one-way order (connections < events < orders, bookings < notifications,
attendance < courses, contacts): a lower domain never imports a higher one. When a change in a
lower domain must have consequences in a higher one (a booking made → its confirmation emails;
an event moved → its reminders planned again; a connection about to be deleted → is an event
still using it?), the lower domain sends a signal and the higher one has connected a receiver.

Receivers run one after the other, awaited, inside the sender's session and transaction: what
they write is committed or rolled back together with the change itself, exactly as if the sender
had called them. A receiver may refuse the change by raising (a `DomainError`); the sender's
request then fails and nothing is written.

Receivers are connected by the composition root (`zoombridge.wiring`) that every process runs
at start-up (web app, worker, CLI, tests), never at import time, so what is connected is
written down in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

Message = TypeVar("Message")
Receiver = Callable[[AsyncSession, Message], Awaitable[None]]


class Signal(Generic[Message]):
    """One kind of change, e.g. `booking_created`, carrying a `Message` to its receivers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Receiver[Message]] = []

    def __repr__(self) -> str:
        return f"Signal({self.name!r}, receivers={len(self._receivers)})"

    def connect(self, receiver: Receiver[Message]) -> None:
        """Add `receiver`; connecting the same one again changes nothing."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)

    def disconnect(self, receiver: Receiver[Message]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Receiver[Message], ...]:
        return tuple(self._receivers)

    async def send(self, session: AsyncSession, message: Message) -> None:
        for receiver in tuple(self._receivers):
            await receiver(session, message)
