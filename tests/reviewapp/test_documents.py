"""A stored document's life (services/documents.py): evidence links block deleting it, the
decisions on its passages go with it, deleting removes rows and index entries but never the
original; the viewer marks a passage and escapes the text.

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
from reviewapp.models import AuditEvent, Chunk, Document, EvidenceLink, Page, SuggestionDecision
from reviewapp.services import documents, evidence, storage, uploads
from reviewapp.services.errors import ServiceError
from reviewapp.services.indexing import get_index
from tests.conftest import World, csrf_token, login
from tests.reviewapp.helpers import (
    HWPX_SMALL,
    MD,
    bm25,
    count,
    evidence_on,
    flashes,
    indicators_of,
    post,
    ready_doc,
    user,
)

# ---------------------------------------------------------------- delete with evidence


def test_delete_refused_while_links_cite_it_then_allowed(app: Flask, world: World) -> None:
    doc = ready_doc(world)
    doc_id, sha, n_chunks = doc.id, doc.sha256, len(doc.chunks)
    ids = evidence_on(doc, world)
    assert bm25("데이터기반행정", world.large)

    with pytest.raises(documents.DocumentInUse) as refused:
        documents.delete_document(doc_id, actor_id=user("coord").id)
    assert isinstance(refused.value, ServiceError)
    assert refused.value.links == 2 and refused.value.claims == 0
    assert "2 evidence link" in str(refused.value) and "데이터기반행정법.md" in str(refused.value)
    # nothing changed: rows, decisions, links and the index are all still there
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Document, doc_id) is not None
    assert count(Chunk, Chunk.document_id == doc_id) == n_chunks
    # two accepted decisions (a link is an accepted decision too) and one rejected
    assert count(SuggestionDecision) == 3 and count(EvidenceLink) == 2
    assert {h.document_id for h in bm25("데이터기반행정", world.large)} == {doc_id}
    assert documents.references(doc_id) == (2, 0)

    # the evaluator removes both links (each attributed); then deleting works
    eva = user("eva")
    evidence.unlink(eva.id, ids["link"])
    with pytest.raises(documents.DocumentInUse) as still:
        documents.delete_document(doc_id)
    assert still.value.links == 1
    db.session.rollback()
    evidence.unlink(eva.id, ids["accepted_link"])
    # removing a link takes its accepted decision with it: the rejection is left
    assert db.session.scalars(select(SuggestionDecision.id)).all() == [ids["rejected"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        documents.delete_document(doc_id, actor_id=user("coord").id)

    db.session.expire_all()
    assert db.session.get(Document, doc_id) is None
    assert count(Chunk, Chunk.document_id == doc_id) == 0
    assert count(Page, Page.document_id == doc_id) == 0
    # the decisions on its passages went with them; the audit trail keeps them
    assert count(SuggestionDecision) == 0
    assert (
        count(AuditEvent, AuditEvent.action.in_(["suggestion.accepted", "suggestion.rejected"]))
        == 3
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "document.delete"))
    assert event is not None and event.entity_id == doc_id
    assert event.data["decisions_removed"] == 1 and event.data["sha256"] == sha
    assert bm25("데이터기반행정", world.large) == []
    assert get_index().search("데이터기반행정", document_ids=[doc_id]) == []
    assert storage.blob_path(Path(app.config["UPLOAD_DIR"]), sha).read_bytes() == MD.read_bytes()


def test_delete_with_only_decisions_removes_them(app: Flask, world: World) -> None:
    doc = ready_doc(world)
    first = indicators_of(world)[0]
    eva = user("eva")
    for chunk in doc.chunks[:3]:
        evidence.decide(eva.id, world.large, first.id, chunk.id, "rejected")
    assert documents.references(doc.id) == (0, 0)
    documents.delete_document(doc.id)
    db.session.expire_all()
    assert count(SuggestionDecision) == 0 and count(Document) == 0


def test_delete_route_refuses_with_count_and_evaluator_cannot(
    app: Flask, client: FlaskClient, world: World
) -> None:
    doc = ready_doc(world)
    doc_id = doc.id
    ids = evidence_on(doc, world)

    # an evaluator (assigned to this submission) may not delete at all
    login(client, "eva")
    response = post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    assert response.status_code == 403
    html = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert f"/documents/{doc_id}/delete" not in html  # no delete button for evaluators
    client.post("/logout", data={"csrf_token": csrf_token(client, f"/documents/{doc_id}")})

    login(client, "coord")
    view = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert f'action="/documents/{doc_id}/delete"' in view and "disabled" in view
    response = post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{doc_id}")
    (message,) = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "2" in message and "데이터기반행정법.md" in message
    db.session.expire_all()
    assert db.session.get(Document, doc_id) is not None
    assert count(EvidenceLink) == 2 and count(SuggestionDecision) == 3

    # in English the reason says what blocks it and what to do
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/rounds")})
    response = post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    (message,) = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "cannot be deleted" in message and "2 evidence links" in message
    assert "Remove those links first" in message

    evidence.unlink(user("eva").id, ids["link"])
    evidence.unlink(user("eva").id, ids["accepted_link"])
    view = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert (
        "disabled"
        not in view[view.index(f'action="/documents/{doc_id}/delete"') :].split("</form>")[0]
    )
    response = post(client, f"/documents/{doc_id}/delete", f"/documents/{doc_id}")
    assert (
        response.status_code == 302
        and f"/submissions/{world.large}" in response.headers["Location"]
    )
    db.session.expire_all()
    assert db.session.get(Document, doc_id) is None
    assert count(SuggestionDecision) == 0


def test_delete_removes_index_entries_and_rows_but_keeps_original(
    app: Flask, client: FlaskClient, world: World
) -> None:
    content = MD.read_bytes()
    (outcome,) = uploads.add_upload(
        world.large, "데이터기반행정법.md", io.BytesIO(content)
    ).outcomes
    keep = uploads.add_upload(world.large, "공고문.hwpx", HWPX_SMALL.open("rb")).outcomes[0]
    doc = db.session.get(Document, outcome.document_id)
    doc_id, sha, n_chunks = doc.id, doc.sha256, len(doc.chunks)
    assert n_chunks > 0
    hits = bm25("데이터기반행정", world.large)
    assert hits and {h.document_id for h in hits} == {doc_id}
    kept_hits = bm25("입법예고", world.large)
    assert any(h.document_id == keep.document_id for h in kept_hits)

    login(client, "coord")
    token = csrf_token(client, f"/submissions/{world.large}")
    with warnings.catch_warnings():  # e.g. SAWarning: chunks deleted twice by the cascade
        warnings.simplefilter("error", SAWarning)
        response = client.post(f"/documents/{doc_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302

    db.session.expire_all()
    assert db.session.get(Document, doc_id) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(Chunk).where(Chunk.document_id == doc_id)
        )
        == 0
    )
    assert (
        db.session.scalar(select(func.count()).select_from(Page).where(Page.document_id == doc_id))
        == 0
    )
    assert bm25("데이터기반행정", world.large) == []
    assert get_index().search("데이터기반행정", document_ids=[doc_id]) == []
    # other documents stay searchable; the original stays archived
    assert any(h.document_id == keep.document_id for h in bm25("입법예고", world.large))
    assert storage.blob_path(Path(app.config["UPLOAD_DIR"]), sha).read_bytes() == content
    # uploading it again is allowed now (not a duplicate of a deleted document)
    again = uploads.add_upload(world.large, "데이터기반행정법.md", io.BytesIO(content)).outcomes[0]
    assert again.status == "queued"
    assert db.session.get(Document, again.document_id).status == "ready"


def test_view_marks_chunk_and_escapes_text(app: Flask, client: FlaskClient, world: World) -> None:
    text = (
        "스마트도시 통합운영센터는 2023년에 개소하였다. " * 15
        + "\n\n보안 점검 결과 <script>alert(1)</script> 문자열이 입력 값에서 발견되었다. "
        + "시민 참여 플랫폼의 운영 실적은 연간 1,200건이다. " * 12
    )
    (outcome,) = uploads.add_upload(
        world.large, "운영 보고.txt", io.BytesIO(text.encode())
    ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "ready" and len(doc.chunks) >= 2
    target = next(c for c in doc.chunks if "<script>" in c.text)
    login(client, "eva")
    html = client.get(f"/documents/{doc.id}?chunk={target.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    marked = re.search(rf'<mark id="chunk-{target.id}"[^>]*>(.*?)</mark>', html, re.S)
    assert marked, "chunk not marked"
    assert "&lt;script&gt;" in marked.group(1)
    assert marked.group(1).count("운영") >= 1
    assert html.count("<mark") == 1
    # a chunk of another document is ignored, not marked
    (other,) = uploads.add_upload(world.large, "공고문.hwpx", HWPX_SMALL.open("rb")).outcomes
    foreign = db.session.get(Document, other.document_id).chunks[0]
    html = client.get(f"/documents/{doc.id}?chunk={foreign.id}").get_data(as_text=True)
    assert "<mark" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
