"""The coverage matrix read from storage: computed in the background, not on the page request.

Ranking every indicator's passages takes about a second and a half per submission, so the
coverage view reads a snapshot per (submission, viewer) kept under ``DATA_DIR/coverage/``. A
snapshot carries a stamp of what it was computed from (the submission's documents, evidence
links and decisions); every change to those calls ``request()`` (beside the claims' recheck),
which queues the ``coverage`` job for each snapshot of the submission; the job recomputes it
(jobs.py, with services/suggestions.coverage). A page that finds its snapshot stale shows it
marked as updating and queues the job; with no snapshot at all it is computed once, there.

This module imports no ranking code (suggestions imports evidence, which calls ``request``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from .. import queue
from ..extensions import db
from ..models import Document, EvidenceLink, Indicator, SuggestionDecision
from .places import Place, place_at

__all__ = ["JOB", "CoveragePassage", "CoverageRow", "Snapshot", "read", "request", "save", "stamp"]

JOB = "coverage"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoveragePassage:
    chunk_id: int
    document_id: int
    document_name: str
    page: int
    confidence: str
    sheet: str | None = None  # a spreadsheet's sheet and rows (places.Place), stored so that
    rows: tuple[int, int] | None = None  # the page needs no query per citation label

    @property
    def place(self) -> Place:
        return Place(self.page, self.sheet, self.rows)


@dataclass(frozen=True)
class CoverageRow:
    indicator: Indicator
    strength: int  # 0 none, 1 weak, 2 probable, 3 linked
    passages: list[CoveragePassage]


@dataclass(frozen=True)
class Snapshot:
    rows: list[CoverageRow]
    fresh: bool


def _folder() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "coverage"


def _path(submission_id: int, viewer_id: int) -> Path:
    return _folder() / f"{submission_id}-{viewer_id}.json"


def stamp(submission_id: int) -> str:
    """What the matrix depends on, in a few aggregates: any document, link or decision of the
    submission added, removed or changed gives another stamp."""
    docs = db.session.execute(
        select(func.count(Document.id), func.max(Document.id), func.max(Document.updated_at)).where(
            Document.submission_id == submission_id
        )
    ).one()
    links = db.session.execute(
        select(func.count(EvidenceLink.id), func.max(EvidenceLink.id)).where(
            EvidenceLink.submission_id == submission_id
        )
    ).one()
    decisions = db.session.execute(
        select(
            func.count(SuggestionDecision.id),
            func.max(SuggestionDecision.id),
            func.max(SuggestionDecision.decided_at),
        ).where(SuggestionDecision.submission_id == submission_id)
    ).one()
    return json.dumps([list(map(str, docs)), list(map(str, links)), list(map(str, decisions))])


def save(submission_id: int, viewer_id: int, rows: list[Any], at_stamp: str) -> None:
    """Store ``rows`` (suggestions.IndicatorSuggestions) as the viewer's snapshot."""
    data = {
        "stamp": at_stamp,
        "rows": [
            {
                "indicator_id": row.indicator.id,
                "strength": row.strength,
                "passages": [_passage(p) for p in row.passages],
            }
            for row in rows
        ],
    }
    path = _path(submission_id, viewer_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)  # readers see the old snapshot or the new one, never half of one


def _passage(p: Any) -> dict[str, Any]:
    place = place_at(p.document_id, p.page, p.chunk_id)
    return asdict(
        CoveragePassage(
            p.chunk_id,
            p.document_id,
            p.document_name,
            p.page,
            p.confidence,
            place.sheet,
            place.rows,
        )
    )


def read(submission_id: int, viewer_id: int) -> Snapshot | None:
    """The viewer's stored matrix, and whether it is still current; None when none is stored."""
    try:
        data = json.loads(_path(submission_id, viewer_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    indicators = {
        i.id: i
        for i in db.session.scalars(
            select(Indicator).where(Indicator.id.in_([r["indicator_id"] for r in data["rows"]]))
        )
    }
    rows = [
        CoverageRow(
            indicators[r["indicator_id"]],
            int(r["strength"]),
            [
                CoveragePassage(**{**p, "rows": tuple(p["rows"]) if p.get("rows") else None})
                for p in r["passages"]
            ],
        )
        for r in data["rows"]
        if r["indicator_id"] in indicators
    ]
    return Snapshot(rows, fresh=data.get("stamp") == stamp(submission_id))


def request(submission_id: int | None) -> int:
    """Queue the recomputation of every stored snapshot of the submission (after a change is
    committed). Returns how many were queued; never raises (a change must not fail for it)."""
    if submission_id is None:
        return 0
    try:
        folder = _folder()
        viewers = [int(p.stem.split("-", 1)[1]) for p in folder.glob(f"{submission_id}-*.json")]
        for viewer_id in viewers:
            queue.enqueue(JOB, submission_id, viewer_id)
        return len(viewers)
    except Exception:  # noqa: BLE001 - the change itself is done; the view recomputes later
        log.exception("could not queue the coverage of submission %s", submission_id)
        return 0
