"""Every change that matters is attributed and time-stamped, in the transaction of the change.

Events are only ever added: no service updates or deletes one, and the ORM refuses to
(`_append_only`), so the history a committee relies on cannot be edited through the app.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, select

from ..extensions import db
from ..models import AuditEvent, Submission


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


class AuditIsAppendOnly(RuntimeError):
    """A bug: something tried to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")
