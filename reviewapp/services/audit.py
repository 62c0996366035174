"""Every change that matters is attributed and time-stamped, in the transaction of the change.

Events are only ever added: no service updates or deletes one, and the ORM refuses to
(`_append_only`), so the history a committee relies on cannot be edited through the app.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select

from ..extensions import db
from ..models import AuditEvent, Submission, User


def record(
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    *,
    round_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Add one event to the session (committed with the change it describes).

    ``data`` is JSON (e.g. ``before``/``after``/``reason``); the event's round is ``round_id``
    or, when ``data`` names a ``submission``, that submission's round.
    """
    if round_id is None and isinstance(data.get("submission"), int):
        round_id = db.session.scalar(
            select(Submission.round_id).where(Submission.id == data["submission"])
        )
    event_ = AuditEvent(
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        round_id=round_id,
        data=json.loads(json.dumps(data, default=_plain)),
    )
    db.session.add(event_)
    return event_


def _plain(value: Any) -> Any:
    """Exact numbers keep their digits as text ("12.50"); anything else as its text."""
    return str(value)


def of_round(round_id: int) -> list[AuditEvent]:
    """The round's events, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.round_id == round_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


PAGE_SIZE = 100


@dataclass(frozen=True)
class EventRow:
    """One event as the audit page shows it: who (display name), what, and its details."""

    event: AuditEvent
    actor: str
    details: list[tuple[str, str]]


@dataclass(frozen=True)
class EventPage:
    """One page of a round's events, newest first."""

    rows: list[EventRow]
    page: int
    pages: int
    total: int


def page_of_round(round_id: int, page: int = 1, per_page: int = PAGE_SIZE) -> EventPage:
    """The round's events newest first, ``per_page`` at a time (page 1 is the newest); a
    page past the end is clamped to the last one. Read-only: nothing here changes an event."""
    total = (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.round_id == round_id)
        )
        or 0
    )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    found = db.session.execute(
        select(AuditEvent, User.display_name, User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.round_id == round_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    rows = [
        EventRow(event=e, actor=display or username or "", details=describe(e.data or {}))
        for e, display, username in found
    ]
    return EventPage(rows=rows, page=page, pages=pages, total=total)


def describe(data: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's data as (label, text) lines a person reads: for ``before``/``after`` one
    line per changed key ("aggregation", "mean → trimmed_mean"), every other key as is."""
    lines: list[tuple[str, str]] = []
    before, after = data.get("before"), data.get("after")
    if isinstance(before, dict) or isinstance(after, dict):
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        for key in [*before, *(k for k in after if k not in before)]:
            old, new = before.get(key), after.get(key)
            if old != new:
                lines.append((str(key), f"{_text(old)} → {_text(new)}"))
    else:
        for key in ("before", "after"):
            if key in data:
                lines.append((key, _text(data[key])))
    for key, value in data.items():
        if key not in ("before", "after"):
            lines.append((str(key), _text(value)))
    return lines


def _text(value: Any) -> str:
    """A JSON value as short text: lists joined by commas, mappings as key=value, None as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    return str(value)


class AuditIsAppendOnly(RuntimeError):
    """A bug: something tried to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")
