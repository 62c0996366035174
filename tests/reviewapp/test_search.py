"""The search page through the Flask client, ranking with the real bundled embedding models.

The shared ``app`` fixture switches embeddings off; here an app of its own turns them on
(USE and e5, as shipped), so a passage can be found by what it means, not its words.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import Chunk
from reviewapp.services import accounts, rounds, uploads
from reviewapp.services.frameworks import import_framework
from tests.conftest import FRAMEWORK, PASSWORD, ROOT, login, make_app

MODEL = ROOT / "models" / "multilingual-e5-small"
HANBIT = ROOT / "demo" / "documents" / "hanbit"
DOCUMENTS = (
    HANBIT / "hanbit-smart-city-plan-summary-2026.pdf",
    HANBIT / "hanbit-living-lab-report-2025.docx",
)
# The plan's security passage says 정보보안, ISMS, 취약점, 침해사고, 접근 통제; the query says
# "hackers", "computer network", "measures" in other words. Keyword search finds other
# passages for it (e.g. through 로부터), never this one.
QUERY = "해커로부터 전산망을 지키는 대책"
TARGET_MARK = "정보보호 관리체계(ISMS)"
FALLBACK_NOTICE = "의미 기반 순위를 사용할 수 없어"


@pytest.fixture()
def semantic_app(tmp_path: Path) -> Iterator[tuple[Flask, int, int]]:
    """An app with the real embedding models on, and eva assigned to 한빛시, whose plan
    summary and living-lab report are indexed (jobs run inline): (app, submission, passage
    that should rank first)."""
    if not (MODEL / "model.safetensors").exists():
        pytest.skip(f"embedding model folder {MODEL} not built (make install builds it)")
    app = make_app(
        tmp_path, EMBEDDINGS_ENABLED=True, EMBEDDING_MODEL=str(MODEL), EMBEDDERS=["use", "e5"]
    )
    with app.app_context():
        accounts.create_user("eva", PASSWORD, "evaluator")
        framework = import_framework(FRAMEWORK)
        round_ = rounds.create_round("2026 인증", framework.id)
        submission_id = rounds.add_applicant(round_.id, "한빛시", 1_020_000).submission_id
        rounds.assign(submission_id, "eva")
        for path in DOCUMENTS:
            report = uploads.add_upload(submission_id, path.name, io.BytesIO(path.read_bytes()))
            assert [o.status for o in report.outcomes] == ["queued"], report.outcomes
        (target,) = db.session.scalars(
            select(Chunk.id).where(Chunk.text.contains(TARGET_MARK))
        ).all()
        yield app, submission_id, target
        db.session.remove()


def _hit_ids(html: str) -> list[int]:
    """The passages of a results page, best first (groups follow their best hit)."""
    return [int(n) for n in re.findall(r'id="hit-(\d+)"', html)]


@pytest.mark.slow
def test_hybrid_search_finds_a_passage_by_meaning(semantic_app: tuple[Flask, int, int]) -> None:
    app, submission_id, target = semantic_app
    client = app.test_client()
    login(client, "eva")
    keywords = client.get(
        "/search", query_string={"q": QUERY, "submission": submission_id, "mode": "bm25"}
    )
    assert keywords.status_code == 200
    keyword_hits = _hit_ids(keywords.get_data(as_text=True))
    assert keyword_hits and target not in keyword_hits  # it shares no keyword with QUERY

    response = client.get("/search", query_string={"q": QUERY, "submission": submission_id})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<option value="hybrid" selected>' in page  # the mode the page says it used
    assert FALLBACK_NOTICE not in page  # and it did not fall back to keywords alone
    hits = _hit_ids(page)
    assert hits[0] == target, hits
