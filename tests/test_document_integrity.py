"""Data integrity of documents: evidence links block deletion, re-extraction keeps links,
oversized files are kept as failed documents, oversized requests get a readable page.

Real corpus files and generated text, a real SQLite database (foreign keys on) and a real
whoosh index; embeddings are off (the default app fixture).
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import SAWarning

from reviewapp.extensions import db
from reviewapp.models import (
    AuditEvent,
    Chunk,
    Document,
    EvidenceLink,
    Indicator,
    Page,
    Suggestion,
    User,
)
from reviewapp.services import ingestion, search, storage, suggestions
from reviewapp.services.errors import ServiceError
from reviewapp.services.indexing import get_index

from .conftest import CORPUS, World, csrf_token, login, make_app

MD = CORPUS / "law-data-based-administration-act.md"
HWPX_SMALL = CORPUS / "ulsan-namgu-ordinance-notice-2021.hwpx"
HANGUL = re.compile(r"[가-힣]")


# ---------------------------------------------------------------- helpers


def _user(name: str) -> User:
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def _indicators(world: World) -> list[Indicator]:
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.framework_id == world.framework_id)
            .order_by(Indicator.position)
        )
    )


def _count(model: type, *where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _search(query: str, submission_id: int):  # type: ignore[no-untyped-def]
    return get_index().search(query, submission_ids=[submission_id], limit=10, mode="bm25")


def _ready_doc(world: World) -> Document:
    (outcome,) = ingestion.add_upload(
        world.large, "데이터기반행정법.md", io.BytesIO(MD.read_bytes())
    ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc is not None and doc.status == "ready" and len(doc.chunks) >= 4, doc.error
    return doc


def _evidence_on(doc: Document, world: World) -> dict[str, int]:
    """eva accepts one passage (suggestion + link), links another, rejects a third."""
    eva = _user("eva")
    first, second = _indicators(world)[:2]
    chunks = doc.chunks
    accepted = suggestions.decide(eva, world.large, first.code, chunks[0].id, "accepted")
    link = search.link_evidence(eva, world.large, second.id, chunks[1].id, note="제1조 근거")
    rejected = suggestions.decide(eva, world.large, first.code, chunks[2].id, "rejected")
    accepted_link = db.session.scalar(
        select(EvidenceLink.id).where(EvidenceLink.chunk_id == chunks[0].id)
    )
    assert accepted_link is not None
    return {
        "accepted": accepted.id,
        "rejected": rejected.id,
        "link": link.id,
        "accepted_link": accepted_link,
    }


def _post(client: FlaskClient, path: str, page: str, **headers: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, page)
    return client.post(path, data={"csrf_token": token}, headers=headers)


def _flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash error" role="alert">(.*?)</p>', html, re.S)


# ---------------------------------------------------------------- delete with evidence


def test_delete_refused_while_links_cite_it_then_allowed(app: Flask, world: World) -> None:
    doc = _ready_doc(world)
    doc_id, sha, n_chunks = doc.id, doc.sha256, len(doc.chunks)
    ids = _evidence_on(doc, world)
    assert _search("데이터기반행정", world.large)

    with pytest.raises(ingestion.DocumentInUse) as refused:
        ingestion.delete_document(doc_id, actor_id=_user("coord").id)
    assert isinstance(refused.value, ServiceError)
    assert refused.value.links == 2 and refused.value.claims == 0
    assert "2 evidence link" in str(refused.value) and "데이터기반행정법.md" in str(refused.value)
    # nothing changed: rows, decisions, links and the index are all still there
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Document, doc_id) is not None
    assert _count(Chunk, Chunk.document_id == doc_id) == n_chunks
    assert _count(Suggestion) == 2 and _count(EvidenceLink) == 2
    assert {h.document_id for h in _search("데이터기반행정", world.large)} == {doc_id}
    assert ingestion.references(doc_id) == (2, 0)

    # the evaluator removes both links (each attributed); then deleting works
    eva = _user("eva")
    search.unlink_evidence(eva, ids["link"])
    with pytest.raises(ingestion.DocumentInUse) as still:
        ingestion.delete_document(doc_id)
    assert still.value.links == 1
    db.session.rollback()
    search.unlink_evidence(eva, ids["accepted_link"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        ingestion.delete_document(doc_id, actor_id=_user("coord").id)

    db.session.expire_all()
    assert db.session.get(Document, doc_id) is None
    assert _count(Chunk, Chunk.document_id == doc_id) == 0
    assert _count(Page, Page.document_id == doc_id) == 0
    # the decisions on its passages went with them; the audit trail keeps them
    assert _count(Suggestion) == 0
    assert (
        _count(AuditEvent, AuditEvent.action.in_(["suggestion.accepted", "suggestion.rejected"]))
        == 2
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "document.delete"))
    assert event is not None and event.entity_id == doc_id
    assert event.data["suggestions_removed"] == 2 and event.data["sha256"] == sha
    assert _search("데이터기반행정", world.large) == []
    assert get_index().search("데이터기반행정", document_ids=[doc_id]) == []
    assert storage.blob_path(Path(app.config["UPLOAD_DIR"]), sha).read_bytes() == MD.read_bytes()


def test_delete_with_only_decisions_removes_them(app: Flask, world: World) -> None:
    doc = _ready_doc(world)
    first = _indicators(world)[0]
    eva = _user("eva")
    for chunk in doc.chunks[:3]:
        suggestions.decide(eva, world.large, first.code, chunk.id, "rejected")
    assert ingestion.references(doc.id) == (0, 0)
    ingestion.delete_document(doc.id)
    db.session.expire_all()
    assert _count(Suggestion) == 0 and _count(Document) == 0


def test_delete_route_refuses_with_count_and_evaluator_cannot(
    app: Flask, client: FlaskClient, world: World
) -> None:
    doc = _ready_doc(world)
    doc_id = doc.id
    ids = _evidence_on(doc, world)

    # an evaluator (assigned to this submission) may not delete at all
    login(client, "eva")
    response = _post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    assert response.status_code == 403
    html = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert f"/documents/{doc_id}/delete" not in html  # no delete button for evaluators
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/documents/{doc_id}")})

    login(client, "coord")
    view = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert f'action="/documents/{doc_id}/delete"' in view and "disabled" in view
    response = _post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{doc_id}")
    (message,) = _flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "2" in message and "데이터기반행정법.md" in message
    db.session.expire_all()
    assert db.session.get(Document, doc_id) is not None
    assert _count(EvidenceLink) == 2 and _count(Suggestion) == 2

    # in English the reason says what blocks it and what to do
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/rounds")})
    response = _post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    (message,) = _flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "cannot be deleted" in message and "2 evidence links" in message
    assert "Remove those links first" in message

    search.unlink_evidence(_user("eva"), ids["link"])
    search.unlink_evidence(_user("eva"), ids["accepted_link"])
    view = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert (
        "disabled"
        not in view[view.index(f'action="/documents/{doc_id}/delete"') :].split("</form>")[0]
    )
    response = _post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    assert (
        response.status_code == 302
        and f"/submissions/{world.large}" in response.headers["Location"]
    )
    db.session.expire_all()
    assert db.session.get(Document, doc_id) is None
    assert _count(Suggestion) == 0


# ---------------------------------------------------------------- re-extraction keeps links


def test_retry_after_index_failure_keeps_links_and_drops_decisions(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passages stored before the index update failed were linked; the retry replaces them."""
    index = get_index()

    def broken(records):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(index, "add_chunks", broken)
        (outcome,) = ingestion.add_upload(
            world.large, "데이터기반행정법.md", io.BytesIO(MD.read_bytes())
        ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc is not None and doc.status == "failed" and "search index" in doc.error
    old_chunks = {c.id: (c.page, c.text) for c in doc.chunks}
    assert len(old_chunks) >= 4
    ids = _evidence_on(doc, world)
    before = {
        link.id: (link.document_id, link.page, link.quote, link.note, old_chunks[link.chunk_id])
        for link in db.session.scalars(select(EvidenceLink))
    }
    assert len(before) == 2

    # retried through the route, as a coordinator would (the job runs inline in tests)
    login(client, "coord")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        response = _post(
            client,
            f"/documents/{doc.id}/retry",
            f"/submissions/{world.large}",
            **{"HX-Request": "true"},
        )
    assert response.status_code == 200
    db.session.expire_all()
    doc = db.session.get(Document, outcome.document_id)
    assert doc is not None and doc.status == "ready", doc.error
    new_chunks = {c.id: (c.page, c.text) for c in doc.chunks}
    assert sorted(new_chunks.values()) == sorted(old_chunks.values())
    # (SQLite may hand out the same ids again, so a link left pointing at an old id could
    # silently cite another passage: they are cleared and re-anchored by content)
    # every link is kept (document, page, quote, note) and points at the identical new passage
    after = db.session.scalars(select(EvidenceLink)).all()
    assert {link.id for link in after} == set(before)
    for link in after:
        document_id, page, quote, note, old = before[link.id]
        assert (link.document_id, link.page, link.quote, link.note) == (
            document_id,
            page,
            quote,
            note,
        )
        assert link.chunk_id in new_chunks and new_chunks[link.chunk_id] == old
    # decisions on the replaced passages are gone; the links carry the accepted one
    assert db.session.get(Suggestion, ids["rejected"]) is None
    assert _count(Suggestion) == 0
    assert {h.document_id for h in _search("데이터기반행정", world.large)} == {doc.id}
    # and the links still block deleting the document
    with pytest.raises(ingestion.DocumentInUse):
        ingestion.delete_document(doc.id)


def test_reprocessing_keeps_link_without_a_matching_passage(app: Flask, world: World) -> None:
    doc = _ready_doc(world)
    link = search.link_evidence(
        _user("eva"), world.large, _indicators(world)[0].id, doc.chunks[0].id
    )
    link.quote = "원문에 없는 인용문"  # e.g. the extractor changed since the link was made
    page = link.page
    doc.status = "failed"
    db.session.commit()
    ingestion.process_document(doc.id)
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "ready"
    kept = db.session.get(EvidenceLink, link.id)
    assert kept is not None and kept.chunk_id is None
    assert (kept.document_id, kept.page, kept.quote) == (doc.id, page, "원문에 없는 인용문")
    assert search.links_for(world.large, kept.indicator_id) == [kept]


def test_ready_document_is_not_reprocessed(app: Flask, world: World) -> None:
    doc = _ready_doc(world)
    _evidence_on(doc, world)
    chunk_ids = [c.id for c in doc.chunks]
    with pytest.raises(ServiceError):
        ingestion.retry(doc.id)
    ingestion.process_document(doc.id)  # a stray job for a ready document does nothing
    db.session.expire_all()
    assert [c.id for c in db.session.get(Document, doc.id).chunks] == chunk_ids
    assert _count(EvidenceLink, EvidenceLink.chunk_id.is_(None)) == 0


# ---------------------------------------------------------------- oversized uploads


def _small_text() -> bytes:
    return "스마트도시 통합운영센터 운영 실적 보고. 시민 참여 플랫폼 연간 1,200건.\n".encode() * 5


def _world_in(app: Flask) -> int:
    from reviewapp.services import accounts, rounds
    from reviewapp.services.frameworks import import_framework

    from .conftest import FRAMEWORK

    accounts.create_user("coord", "test-pass-1234", "coordinator")
    fw = import_framework(FRAMEWORK)
    r = rounds.create_round("2026 인증", fw.id)
    return rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id


@pytest.fixture()
def small_limit(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(tmp_path, MAX_UPLOAD_BYTES=1000)
    with app.app_context():
        yield app, _world_in(app)
        db.session.remove()


def test_request_cap_defaults_and_settings(tmp_path: Path) -> None:
    def cap(**overrides: object) -> int:
        from reviewapp import create_app

        overrides.setdefault("DATA_DIR", str(tmp_path / "data"))
        return create_app({"SECRET_KEY": "x", **overrides}).config["MAX_CONTENT_LENGTH"]

    assert cap(MAX_UPLOAD_BYTES=1000) == 5000
    assert cap(MAX_UPLOAD_BYTES=1000, MAX_REQUEST_BYTES=8000) == 8000
    assert cap(MAX_UPLOAD_BYTES=1000, MAX_REQUEST_BYTES="9000") == 9000  # from the environment
    assert cap(MAX_UPLOAD_BYTES=1000, MAX_REQUEST_BYTES=10) == 2000  # never below 2 x per file


def test_oversized_file_via_service_is_kept_and_failed_at_once(
    small_limit: tuple[Flask, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, submission_id = small_limit
    queued: list[int] = []
    original_enqueue = ingestion._enqueue
    monkeypatch.setattr(ingestion, "_enqueue", lambda i: (queued.append(i), original_enqueue(i)))
    big = _small_text() * 4
    assert len(big) > 1000
    (outcome,) = ingestion.add_upload(submission_id, "운영 보고.txt", io.BytesIO(big)).outcomes
    assert outcome.status == "failed" and outcome.document_id is not None
    assert f"{len(big):,}" in outcome.message and "1,000" in outcome.message
    assert queued == []  # no job queued that could only fail
    doc = db.session.get(Document, outcome.document_id)
    assert doc is not None and doc.status == "failed" and doc.error_code == "too_large"
    assert "1,000" in doc.error and HANGUL.search(doc.error_ko) and "1,000" in doc.error_ko
    assert doc.size == len(big) and not doc.pages and not doc.chunks
    path = storage.blob_path(Path(app.config["UPLOAD_DIR"]), doc.sha256)
    assert path.read_bytes() == big
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "document.upload"))

    # a file within the limit is unaffected; the big one is ready once the limit is raised
    (small,) = ingestion.add_upload(submission_id, "요약.txt", io.BytesIO(_small_text())).outcomes
    assert small.status == "queued"
    assert db.session.get(Document, small.document_id).status == "ready"
    ingestion.retry(doc.id)
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "failed"  # same limit, same reason
    app.config["MAX_UPLOAD_BYTES"] = 100_000
    ingestion.retry(doc.id)
    db.session.expire_all()
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "ready" and doc.error == "" and doc.chunks


def test_oversized_file_via_web_form_is_listed_with_reason(small_limit: tuple[Flask, int]) -> None:
    app, submission_id = small_limit
    client = app.test_client()
    login(client, "coord")
    big = _small_text() * 3  # over 1,000 bytes per file, under the 5,000-byte request cap
    token = csrf_token(client, f"/submissions/{submission_id}")
    page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
    assert "1,000 B" in page and "4.9 KB" in page  # the limits are shown by the form
    response = client.post(
        f"/submissions/{submission_id}/documents",
        data={
            "csrf_token": token,
            "files": [
                (io.BytesIO(big), "큰 보고서.txt"),
                (io.BytesIO(_small_text()), "작은 보고서.txt"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and "batch=" in response.headers["Location"]
    docs = {d.filename: d for d in db.session.scalars(select(Document))}
    assert (
        docs["큰 보고서.txt"].status == "failed" and docs["큰 보고서.txt"].error_code == "too_large"
    )
    assert docs["작은 보고서.txt"].status == "ready"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "큰 보고서.txt" in html and docs["큰 보고서.txt"].error_ko in html


def test_request_over_the_cap_gets_a_readable_page_and_stores_nothing(
    small_limit: tuple[Flask, int],
) -> None:
    app, submission_id = small_limit
    client = app.test_client()
    login(client, "coord")
    token = csrf_token(client, f"/submissions/{submission_id}")
    body = HWPX_SMALL.read_bytes()  # 15 KB > the 5,000-byte request cap
    response = client.post(
        f"/submissions/{submission_id}/documents",
        data={"csrf_token": token, "files": [(io.BytesIO(body), "공고문.hwpx")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert '<html lang="ko">' in html
    (message,) = _flashes(html)
    assert "4.9 KB" in message and "1,000 B" in message  # the request cap and the per-file limit
    assert f'href="/submissions/{submission_id}#documents"' in html
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]

    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/rounds")})
    response = client.post(
        f"/submissions/{submission_id}/documents",
        data={"csrf_token": token, "files": [(io.BytesIO(body), "공고문.hwpx")]},
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 413
    fragment = response.get_data(as_text=True)
    assert fragment.startswith('<p class="flash error"')
    assert "larger than one request may be" in fragment and "Nothing from it was stored" in fragment


def test_too_many_parts_names_the_number_allowed(small_limit: tuple[Flask, int]) -> None:
    app, submission_id = small_limit
    app.config["MAX_FORM_PARTS"] = 3
    client = app.test_client()
    login(client, "coord")
    token = csrf_token(client, f"/submissions/{submission_id}")
    files = [(io.BytesIO(b"a"), f"{i}.txt") for i in range(5)]  # a few bytes, too many parts
    response = client.post(
        f"/submissions/{submission_id}/documents",
        data={"csrf_token": token, "files": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    (message,) = _flashes(response.get_data(as_text=True))
    assert "최대 3개" in message and "1,000 B" in message
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
