"""What the claim tests share: 솔내시's documents, claims made directly (the import is
another module's), and a recorder around reviewapp.claim_check (the real checker) that
keeps the passages the service hands over.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select

from reviewapp import claim_check
from reviewapp.extensions import db
from reviewapp.models import Claim, Document, Indicator
from reviewapp.services import claims
from tests.conftest import ROOT, World
from tests.reviewapp.helpers import ingest

SOLNAE = ROOT / "demo" / "documents" / "solnae"
PLAN = "solnae-smart-city-basic-plan-summary-2026.pdf"
DOCS: list[tuple[str, str]] = [
    (PLAN, "evidence"),
    ("solnae-living-lab-pilot-report-2025.docx", "evidence"),
    ("solnae-quantitative-data-2026.xlsx", "quantitative"),
    ("solnae-application-2026.docx", "application"),
    ("solnae-self-evaluation-2026.xlsx", "self_evaluation"),
]


# --- the recording checker -----------------------------------------------------------------


class Recorder:
    """The real :mod:`reviewapp.claim_check`, recording every call so that the service's side
    of the contract is tested too: which passages it hands over."""

    Passage = claim_check.Passage

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[claim_check.Passage]]] = []

    def parse_passages(self, passages: Any) -> claim_check.ParsedPassages:
        return claim_check.parse_passages(passages)

    def check_claim(
        self,
        claim_text: str,
        passages: Any = (),
        *,
        claim_period: str | None = None,
        parsed: Any = None,
    ) -> claim_check.ClaimCheck:
        given = list(parsed.passages) if parsed is not None else list(passages)
        self.calls.append((claim_text, given))
        return claim_check.check_claim(
            claim_text, passages, claim_period=claim_period, parsed=parsed
        )

    def passages_of(self, text: str) -> list[claim_check.Passage]:
        return next(p for t, p in reversed(self.calls) if text in t)


def install_recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """The service checks through a new Recorder until the test ends."""
    recorder = Recorder()
    monkeypatch.setattr(claims, "_checker", lambda: recorder)
    return recorder


# --- fixtures ------------------------------------------------------------------------------


def ingest_solnae(submission_id: int, recorder: Recorder | None = None) -> dict[str, Document]:
    """솔내시's documents, processed. The claims the import makes from its self-evaluation
    table are removed (the tests make their own), and so are the checks of them."""
    out = {}
    for name, doc_type in DOCS:
        (doc,) = ingest([SOLNAE / name], submission_id, doc_type=doc_type)
        assert doc.status == "ready", doc.error
        out[name] = doc
    db.session.execute(delete(Claim).where(Claim.submission_id == submission_id))
    db.session.commit()
    if recorder is not None:
        recorder.calls.clear()
    return out


def indicator(world: World, code: str) -> Indicator:
    found = db.session.scalar(
        select(Indicator).where(
            Indicator.framework_id == world.framework_id, Indicator.code == code
        )
    )
    assert found is not None
    return found


def add_claim(submission_id: int, ind: Indicator | None, text: str, **fields: Any) -> Claim:
    claim = Claim(
        submission_id=submission_id,
        indicator_id=ind.id if ind is not None else None,
        indicator_ref=ind.code if ind is not None else fields.pop("ref", "?"),
        text=text,
        **fields,
    )
    db.session.add(claim)
    db.session.commit()
    return claim


def fresh(claim_id: int) -> Claim:
    db.session.expire_all()
    claim = db.session.get(Claim, claim_id)
    assert claim is not None
    return claim
