"""Helpers shared by the app tests: corpus files, uploads through the web form, checks that an
original is kept and that passages cut their page exactly, and small lookups."""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import Document, EvidenceLink, Indicator, SuggestionDecision, User
from reviewapp.services import documents, evidence, pipeline, storage, uploads
from reviewapp.services.indexing import get_index
from tests.conftest import CORPUS, FRAMEWORK, PASSWORD, World, csrf_token, login

SPRI = CORPUS / "spri-ai-brief-2023-12.pdf"
SCANNED = CORPUS / "spri-ai-brief-scanned-p5-6.pdf"
ENCRYPTED = CORPUS / "password-protected-fixture.hwp"
DISTRIBUTION = CORPUS / "hancom-distribution-doc-spec.hwp"
DOCX = CORPUS / "kma-weather-warning-api-guide.docx"
MD = CORPUS / "law-data-based-administration-act.md"
HWP = CORPUS / "msit-nuri-press-release-2018.hwp"
HWPX = CORPUS / "msit-nuri-press-release-2018.hwpx"
HWPX_SMALL = CORPUS / "ulsan-namgu-ordinance-notice-2021.hwpx"
HWPX_TRANSIT = CORPUS / "transit-center-data-standard-2023.hwpx"
XLSX = CORPUS / "kma-warning-zone-codes-2020.xlsx"
HANGUL = re.compile(r"[가-힣]")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(client: FlaskClient, submission_id: int, files: list[tuple[str, bytes]], **form: str):  # type: ignore[no-untyped-def]
    """POST files to the submission's upload form (as a coordinator's browser would)."""
    token = csrf_token(client, f"/submissions/{submission_id}")
    data: dict[str, object] = {
        "csrf_token": token,
        "files": [(io.BytesIO(content), name) for name, content in files],
        **form,
    }
    return client.post(
        f"/submissions/{submission_id}/documents", data=data, content_type="multipart/form-data"
    )


def batch_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return query["batch"][0]


def docs_of(submission_id: int) -> list[Document]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Document).where(Document.submission_id == submission_id).order_by(Document.id)
        )
    )


def by_name(submission_id: int) -> dict[str, Document]:
    return {d.filename: d for d in docs_of(submission_id)}


def assert_original_kept(app: Flask, document: Document, content: bytes) -> None:
    path = storage.blob_path(Path(app.config["UPLOAD_DIR"]), document.sha256)
    assert path.is_file(), f"{document.filename}: original missing"
    assert document.sha256 == sha(content)
    assert path.read_bytes() == content, f"{document.filename}: stored bytes differ"
    assert document.size == len(content)
    mode = path.stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), f"{path} is writable"


def assert_chunks_exact(document: Document) -> None:
    pages = {p.number: p for p in document.pages}
    assert pages, f"{document.filename}: no pages"
    assert document.page_count == len(pages)
    assert sorted(pages) == list(range(1, len(pages) + 1))
    assert document.chunks, f"{document.filename}: no chunks"
    for chunk in document.chunks:
        assert chunk.page in pages, (document.filename, chunk.page)
        page_text = pages[chunk.page].text
        assert 0 <= chunk.start_char < chunk.end_char <= len(page_text)
        assert page_text[chunk.start_char : chunk.end_char] == chunk.text
    assert [c.position for c in document.chunks] == list(range(len(document.chunks)))


def zip_of(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def bm25(query: str, submission_id: int, limit: int = 10):  # type: ignore[no-untyped-def]
    return get_index().search(query, submission_ids=[submission_id], limit=limit, mode="bm25")


def world_in(app: Flask) -> int:
    """A round with one applicant in a freshly made app; returns the submission id."""
    from reviewapp.services import accounts, rounds
    from reviewapp.services.frameworks import import_framework

    accounts.create_user("coord", PASSWORD, "coordinator")
    fw = import_framework(FRAMEWORK)
    r = rounds.create_round("2026 인증", fw.id)
    return rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id


def user(name: str) -> User:
    found = db.session.scalar(select(User).where(User.username == name))
    assert found is not None
    return found


def indicators_of(world: World) -> list[Indicator]:
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.framework_id == world.framework_id)
            .order_by(Indicator.position)
        )
    )


def count(model: type, *where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def ingest(paths: list[Path], submission_id: int, **kwargs: str) -> list[Document]:
    """Files from disk as the CLI ingests them: stored as one batch, then processed inline."""
    outcomes = uploads.ingest_paths(paths, submission_id, enqueue_jobs=False, **kwargs)
    ids = [o.document_id for o in outcomes if o.status == "queued" and o.document_id]
    return [pipeline.process_inline(document_id) for document_id in ids]


def record_statuses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every status a document passes through from now on, in order.

    set_status and fail live in services.documents; pipeline and uploads import them by name,
    so each module's reference is patched."""
    seen: list[str] = []
    original_set, original_fail = documents.set_status, documents.fail

    def set_status(document, status):  # type: ignore[no-untyped-def]
        seen.append(status.value)
        original_set(document, status)

    def fail(document, exc):  # type: ignore[no-untyped-def]
        seen.append("failed")
        original_fail(document, exc)

    for module in (documents, pipeline):
        monkeypatch.setattr(module, "set_status", set_status)
        monkeypatch.setattr(module, "fail", fail)
    monkeypatch.setattr(uploads, "fail", fail)
    return seen


def second_browser(app: Flask, username: str) -> FlaskClient:
    """Another browser, logged in as ``username``. The tests hold one app context, and
    Flask-Login and Flask-WTF cache the user and the token in its ``g``: forget them first."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    browser = app.test_client()
    login(browser, username)
    return browser


def post(client: FlaskClient, path: str, page: str, **headers: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, page)
    return client.post(path, data={"csrf_token": token}, headers=headers)


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash error" role="alert">(.*?)</p>', html, re.S)


def ready_doc(world: World) -> Document:
    (outcome,) = uploads.add_upload(
        world.large, "데이터기반행정법.md", io.BytesIO(MD.read_bytes())
    ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc is not None and doc.status == "ready" and len(doc.chunks) >= 4, doc.error
    return doc


def evidence_on(doc: Document, world: World) -> dict[str, int]:
    """eva accepts one passage (decision + link), links another (a link is an accepted
    decision too), rejects a third; returns the ids of the decisions and links."""
    eva = user("eva")
    first, second = indicators_of(world)[:2]
    chunks = doc.chunks
    accepted = evidence.decide(eva.id, world.large, first.id, chunks[0].id, "accepted")
    link = evidence.link_passage(eva.id, world.large, second.id, chunks[1].id, note="제1조 근거")
    rejected = evidence.decide(eva.id, world.large, first.id, chunks[2].id, "rejected")
    accepted_link = db.session.scalar(
        select(EvidenceLink.id).where(EvidenceLink.chunk_id == chunks[0].id)
    )
    assert accepted_link is not None and accepted.link_id == accepted_link
    assert rejected.link_id is None

    def decision_id(indicator: Indicator, chunk_id: int) -> int:
        found = db.session.scalar(
            select(SuggestionDecision.id).where(
                SuggestionDecision.evaluator_id == eva.id,
                SuggestionDecision.indicator_id == indicator.id,
                SuggestionDecision.chunk_id == chunk_id,
            )
        )
        assert found is not None
        return found

    return {
        "accepted": decision_id(first, chunks[0].id),
        "rejected": decision_id(first, chunks[2].id),
        "link": link.id,
        "accepted_link": accepted_link,
    }


@dataclass(frozen=True)
class ScoredRound:
    """What `scored_round` built (ids and the cited passages' text)."""

    world: World
    doc_id: int
    inn01: int  # indicator ids
    inn02: int
    eva_link: int  # eva's link cited by her INN-01 score
    evb_link: int  # evb's link cited by his INN-01 score
    eva_quote: str
    evb_quote: str


def scored_round(world: World) -> ScoredRound:
    """A round the committee can meet on, built through the services.

    Large city (한빛시): eva AND evb assigned. INN-01 (qualitative, max 40; levels 5-1 =
    40/32/24/16/8 points): eva level 5 = 40 citing passage 1 of the law text, comment
    "시민참여 운영이 우수함"; evb level 1 = 8 citing passage 2, comment "실적 근거 부족" ->
    mean 24.00, spread 32 points = 80 % of max > 20 % -> flagged. INN-02 (quantitative, max
    40): eva 30 and evb 28, both "no evidence submitted" (reason "제출 자료 없음") -> mean
    29.00, not flagged. Small city (솔내시): evb INN-01 level 3 = 24 points, no evidence.
    """
    from reviewapp.services import rounds, scoring

    doc = ready_doc(world)
    eva, evb = user("eva"), user("evb")
    inn01, inn02 = indicators_of(world)[:2]
    rounds.assign(world.large, "evb")
    chunks = doc.chunks
    eva_link = evidence.link_passage(eva.id, world.large, inn01.id, chunks[0].id)
    evb_link = evidence.link_passage(evb.id, world.large, inn01.id, chunks[1].id)
    scoring.save_score(
        eva.id, world.large, inn01.id, "document",
        scoring.ScoreForm(level=5, comment="시민참여 운영이 우수함", link_ids=[eva_link.id]),
    )  # fmt: skip
    scoring.save_score(
        evb.id, world.large, inn01.id, "document",
        scoring.ScoreForm(level=1, comment="실적 근거 부족", link_ids=[evb_link.id]),
    )  # fmt: skip
    for actor, points in ((eva, "30"), (evb, "28")):
        scoring.save_score(
            actor.id, world.large, inn02.id, "document",
            scoring.ScoreForm(points=points, no_evidence_reason="제출 자료 없음"),
        )  # fmt: skip
    scoring.save_score(
        evb.id, world.small, inn01.id, "document",
        scoring.ScoreForm(level=3, no_evidence_reason="제출 자료 없음"),
    )  # fmt: skip
    return ScoredRound(
        world=world,
        doc_id=doc.id,
        inn01=inn01.id,
        inn02=inn02.id,
        eva_link=eva_link.id,
        evb_link=evb_link.id,
        eva_quote=eva_link.quote,
        evb_quote=evb_link.quote,
    )
