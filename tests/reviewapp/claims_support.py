"""What the claim tests share: 솔내시's documents, claims made directly (the import is
another module's), and a stand-in for reviewapp.claim_check.

``StandIn`` keeps check_claim's contract with a toy comparison (a claim's
"<number><counter>" found in a passage agrees, another number with the same counter
disagrees) and records every call, so that the service's side of the contract is tested:
which passages it hands over, and what it stores from the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, select

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


# --- the stand-in checker ------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    id: int
    text: str
    document: str = ""
    page: int = 0
    kind: str = "evidence"


@dataclass(frozen=True)
class Finding:
    claim_value: Any
    evidence_value: Any
    passage_id: int
    span: tuple[int, int]
    agrees: bool


@dataclass(frozen=True)
class ClaimCheck:
    status: str
    quantities: list[Any]
    findings: list[Finding]


FIGURE = re.compile(r"(\d[\d,]*)\s*(명|개소|건|대|개)")


class StandIn:
    """check_claim's contract with a toy comparison; records every call."""

    Passage = Passage

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Passage]]] = []

    def parse_passages(self, passages: list[Passage]) -> list[Passage]:
        return list(passages)

    def check_claim(
        self, claim_text: str, passages: Any, *, claim_period: str | None = None, parsed: Any = None
    ) -> ClaimCheck:
        passages = list(passages)
        self.calls.append((claim_text, passages))
        figures = list(FIGURE.finditer(claim_text))
        quantities = [
            SimpleNamespace(
                value=Decimal(m.group(1).replace(",", "")), unit=m.group(2), period=None
            )
            for m in figures
        ]
        findings = []
        for m in figures[:1]:
            number, unit = m.group(1).replace(",", ""), m.group(2)
            for p in passages:
                for e in FIGURE.finditer(p.text):
                    if e.group(2) == unit:
                        findings.append(
                            Finding(
                                SimpleNamespace(text=m.group()),
                                SimpleNamespace(text=e.group()),
                                p.id,
                                e.span(),
                                e.group(1).replace(",", "") == number,
                            )
                        )
        if any(f.agrees for f in findings):
            status = "supported"
        elif findings:
            status = "contradicted"
        else:
            status = "no_evidence" if not passages else "weak"
        return ClaimCheck(status, quantities, findings)

    def passages_of(self, text: str) -> list[Passage]:
        return next(p for t, p in reversed(self.calls) if text in t)


def install_stand_in(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The service checks with a new StandIn until the test ends."""
    stand_in = StandIn()
    monkeypatch.setattr(claims, "_checker", lambda: stand_in)
    return stand_in


# --- fixtures ------------------------------------------------------------------------------


def ingest_solnae(submission_id: int, stand_in: StandIn | None = None) -> dict[str, Document]:
    """솔내시's documents, processed. The claims the import makes from its self-evaluation
    table are removed (the tests make their own), and so are the checks of them."""
    out = {}
    for name, doc_type in DOCS:
        (doc,) = ingest([SOLNAE / name], submission_id, doc_type=doc_type)
        assert doc.status == "ready", doc.error
        out[name] = doc
    db.session.execute(delete(Claim).where(Claim.submission_id == submission_id))
    db.session.commit()
    if stand_in is not None:
        stand_in.calls.clear()
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
