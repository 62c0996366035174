"""Every change that matters is attributed and time-stamped."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEvent


def record(
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    **data: Any,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id, action=action, entity_type=entity_type, entity_id=entity_id, data=data
    )
    db.session.add(event)
    return event
