"""Domain values shown in the UI (roles, statuses, kinds), marked for translation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "admin": _l("admin"),
    "coordinator": _l("coordinator"),
    "evaluator": _l("evaluator"),
    "open": _l("open"),
    "finalized": _l("finalized"),
    "queued": _l("queued"),
    "extracting": _l("extracting"),
    "indexing": _l("indexing"),
    "ready": _l("ready"),
    "failed": _l("failed"),
    "application": _l("application"),
    "quantitative": _l("quantitative"),
    "qualitative": _l("qualitative"),
    "self_evaluation": _l("self_evaluation"),
    "evidence": _l("evidence"),
    "reference": _l("reference"),
    "other": _l("other"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected"),
    "high": _l("high"),
    "medium": _l("medium"),
    "low": _l("low"),
}
