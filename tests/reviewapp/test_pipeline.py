"""Processing a stored document (services/pipeline.py): extract -> chunk -> index, each step a
status; retry of failed documents and archives; re-extraction keeps evidence links and
re-anchors them; pages land where they belong; the row polls until the work is done.

Real corpus files, a real SQLite database and a real whoosh index; jobs run inline and
embeddings are off (the default app fixture).
"""

from __future__ import annotations

import io
import warnings

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import SAWarning

from reviewapp.extensions import db
from reviewapp.models import Chunk, Decision, Document, EvidenceLink, SuggestionDecision
from reviewapp.services import documents, evidence, pipeline, uploads
from reviewapp.services.errors import ServiceError
from reviewapp.services.indexing import get_index
from tests.conftest import World, csrf_token, login
from tests.reviewapp.helpers import (
    ENCRYPTED,
    HANGUL,
    HWPX_SMALL,
    HWPX_TRANSIT,
    MD,
    SCANNED,
    SPRI,
    assert_chunks_exact,
    assert_original_kept,
    bm25,
    by_name,
    count,
    evidence_on,
    indicators_of,
    post,
    ready_doc,
    record_statuses,
    sha,
    user,
    zip_of,
)

# ---------------------------------------------------------------- retry


def test_failed_zip_retried_after_limit_raised_is_unpacked(app: Flask, world: World) -> None:
    app.config["ZIP_MAX_ENTRIES"] = 2
    archive = zip_of(
        {
            "가/공고문.hwpx": HWPX_SMALL.read_bytes(),
            "가/법률.md": MD.read_bytes(),
            "나/표준.hwpx": HWPX_TRANSIT.read_bytes(),
        }
    )
    (outcome,) = uploads.add_upload(
        world.large, "묶음.zip", io.BytesIO(archive), folder="상위"
    ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == "too_large" and "entries" in doc.error
    assert doc.folder == "상위"
    app.config["ZIP_MAX_ENTRIES"] = 2000
    documents.retry(doc.id)
    docs = by_name(world.large)
    assert docs["묶음.zip"].status == "ready" and docs["묶음.zip"].error == ""
    assert {n: (d.folder, d.status) for n, d in docs.items() if n != "묶음.zip"} == {
        "공고문.hwpx": ("상위/가", "ready"),
        "법률.md": ("상위/가", "ready"),
        "표준.hwpx": ("상위/나", "ready"),
    }
    assert all(
        d.doc_metadata["archive_sha256"] == sha(archive) for n, d in docs.items() if n != "묶음.zip"
    )
    assert_original_kept(app, docs["묶음.zip"], archive)


def test_retry_failed_document_same_reason(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (outcome,) = uploads.add_upload(world.large, "암호.hwp", ENCRYPTED.open("rb")).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == "encrypted"
    first_error = doc.error
    seen = record_statuses(monkeypatch)
    login(client, "coord")
    token = csrf_token(client, f"/submissions/{world.large}")
    response = client.post(
        f"/documents/{doc.id}/retry", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert seen == ["queued", "extracting", "failed"]
    db.session.expire_all()
    assert doc.status == "failed" and doc.error_code == "encrypted" and doc.error == first_error
    row = response.get_data(as_text=True)
    assert f'id="doc-{doc.id}"' in row and "every 2s" not in row
    assert f'hx-post="/documents/{doc.id}/retry"' in row  # it can be retried again


def test_retry_after_ocr_becomes_available_and_ready_is_refused(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan uploaded while OCR is off fails with a reason; retried with OCR it ends ready."""
    app.config["OCR_ENABLED"] = False
    (outcome,) = uploads.add_upload(world.large, "스캔본.pdf", SCANNED.open("rb")).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == "no_text", doc.error
    assert "OCR" in doc.error
    assert_original_kept(app, doc, SCANNED.read_bytes())

    app.config["OCR_ENABLED"] = True
    seen = record_statuses(monkeypatch)
    documents.retry(doc.id)
    # a first look without OCR, back to the queue behind text documents, then the OCR pass
    assert seen == ["queued", "extracting", "queued", "extracting", "indexing", "ready"]
    db.session.expire_all()
    assert doc.status == "ready" and doc.error == "" and doc.error_code == ""
    assert [p.number for p in doc.pages] == [1, 2]
    assert all(p.ocr for p in doc.pages)
    for page in doc.pages:
        assert len(HANGUL.findall(page.text)) > 200, page.text[:200]
    assert_chunks_exact(doc)
    # page 5 of the brief (scan page 1) is the G7 Hiroshima process, page 6 the Bletchley summit
    assert "히로시마" in doc.pages[0].text and "블레출리" in doc.pages[1].text
    assert bm25("히로시마", world.large)[0].page == 1
    assert bm25("블레출리", world.large)[0].page == 2

    with pytest.raises(ServiceError):
        documents.retry(doc.id)
    login(client, "coord")
    token = csrf_token(client, f"/submissions/{world.large}")
    response = client.post(f"/documents/{doc.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "only a failed document can be retried" in page or "실패한 문서만" in page
    db.session.expire_all()
    assert doc.status == "ready" and len(doc.chunks) > 0


def test_retry_after_index_failure_keeps_links_and_drops_decisions(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passages stored before the index update failed were linked; the retry replaces them."""
    index = get_index()

    def broken(chunks_by_document):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(index, "replace_documents", broken)
        (outcome,) = uploads.add_upload(
            world.large, "데이터기반행정법.md", io.BytesIO(MD.read_bytes())
        ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc is not None and doc.status == "failed" and "search index" in doc.error
    old_chunks = {c.id: (c.page, c.text) for c in doc.chunks}
    assert len(old_chunks) >= 4
    ids = evidence_on(doc, world)
    before = {
        link.id: (link.document_id, link.page, link.quote, link.note, old_chunks[link.chunk_id])
        for link in db.session.scalars(select(EvidenceLink))
    }
    assert len(before) == 2

    # retried through the route, as a coordinator would (the job runs inline in tests)
    login(client, "coord")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        response = post(
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
    # decisions on the replaced passages are gone; each re-anchored link has its evaluator's
    # accepted decision back on its new passage ("linked" and "accepted" stay one state)
    assert db.session.get(SuggestionDecision, ids["rejected"]) is None
    assert db.session.get(SuggestionDecision, ids["accepted"]) is None
    decisions = {
        (d.evaluator_id, d.indicator_id, d.chunk_id, d.decision)
        for d in db.session.scalars(select(SuggestionDecision))
    }
    assert decisions == {
        (link.evaluator_id, link.indicator_id, link.chunk_id, Decision.ACCEPTED.value)
        for link in after
    }
    assert count(SuggestionDecision) == len(after) == 2
    assert {h.document_id for h in bm25("데이터기반행정", world.large)} == {doc.id}
    # and the links still block deleting the document
    with pytest.raises(documents.DocumentInUse):
        documents.delete_document(doc.id)


def test_reprocessing_keeps_link_without_a_matching_passage(app: Flask, world: World) -> None:
    doc = ready_doc(world)
    link = evidence.link_passage(
        user("eva").id, world.large, indicators_of(world)[0].id, doc.chunks[0].id
    )
    link.quote = "원문에 없는 인용문"  # e.g. the extractor changed since the link was made
    page = link.page
    doc.status = "failed"
    db.session.commit()
    pipeline.process_document(doc.id)
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "ready"
    kept = db.session.get(EvidenceLink, link.id)
    assert kept is not None and kept.chunk_id is None
    assert (kept.document_id, kept.page, kept.quote) == (doc.id, page, "원문에 없는 인용문")
    assert evidence.links_for(user("eva"), world.large, kept.indicator_id) == [kept]
    assert evidence.links_for(user("coord"), world.large, kept.indicator_id) == [kept]


def test_ready_document_is_not_reprocessed(app: Flask, world: World) -> None:
    doc = ready_doc(world)
    evidence_on(doc, world)
    chunk_ids = [c.id for c in doc.chunks]
    with pytest.raises(ServiceError):
        documents.retry(doc.id)
    pipeline.process_document(doc.id)  # a stray job for a ready document does nothing
    db.session.expire_all()
    assert [c.id for c in db.session.get(Document, doc.id).chunks] == chunk_ids
    assert count(EvidenceLink, EvidenceLink.chunk_id.is_(None)) == 0


def _distinctive_line(page_texts: list[str], number: int) -> str:
    """A Hangul-rich line of page ``number`` that no other page contains."""
    for line in page_texts[number - 1].splitlines():
        line = " ".join(line.split())
        others = (" ".join(t.split()) for i, t in enumerate(page_texts) if i != number - 1)
        if (
            len(line) >= 25
            and len(HANGUL.findall(line)) >= 15
            and not any(line in t for t in others)
        ):
            return line
    raise AssertionError(f"no distinctive line on page {number}")


def test_pdf_phrases_land_on_their_page(app: Flask, world: World) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(SPRI))
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    pdf.close()
    (outcome,) = uploads.add_upload(world.large, "AI 브리프.pdf", SPRI.open("rb")).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "ready" and doc.page_count == len(texts) == 23
    pages = {p.number: " ".join(p.text.split()) for p in doc.pages}
    for number in (7, 12, 20):
        phrase = _distinctive_line(texts, number)
        assert phrase in pages[number], (number, phrase)
        assert not any(phrase in pages[n] for n in pages if n != number)
        hits = bm25(phrase, world.large, limit=3)
        assert hits and hits[0].page == number, (phrase, [(h.page, h.score) for h in hits])
        chunk = db.session.get(Chunk, hits[0].chunk_id)
        assert chunk.page == number and chunk.document_id == doc.id
    assert_chunks_exact(doc)


def test_row_polls_while_queued_and_stops_when_done(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    (queued,) = uploads.add_upload(
        world.large, "공고문.hwpx", HWPX_SMALL.open("rb"), enqueue_jobs=False
    ).outcomes
    (bad,) = uploads.add_upload(
        world.large, "암호.hwp", ENCRYPTED.open("rb"), enqueue_jobs=False
    ).outcomes
    row = client.get(f"/documents/{queued.document_id}/row").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in row and f'hx-get="/documents/{queued.document_id}/row"' in row
    page = client.get(f"/submissions/{world.large}").get_data(as_text=True)
    assert page.count('hx-trigger="every 2s"') == 2

    pipeline.process_document(queued.document_id)
    pipeline.process_document(bad.document_id)
    for doc_id, status in ((queued.document_id, "ready"), (bad.document_id, "failed")):
        row = client.get(f"/documents/{doc_id}/row").get_data(as_text=True)
        assert f'id="doc-{doc_id}"' in row and f"badge {status}" in row
        assert "hx-trigger" not in row
    page = client.get(f"/submissions/{world.large}").get_data(as_text=True)
    # nothing on the page polls any more (the question panel after the list loads once)
    assert "every 2s" not in page and 'id="document-list"' in page


# ---------------------------------------------------------------- batches


def test_a_batch_is_indexed_in_one_commit_and_each_document_ends_alone(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """process_documents (a job's batch): one index commit for the documents that were read,
    a document that fails fails alone, and search finds what one-by-one processing finds."""
    files = [("공고문.hwpx", HWPX_SMALL), ("암호.hwp", ENCRYPTED), ("법률.md", MD)]
    ids = []
    for name, path in files:
        (outcome,) = uploads.add_upload(
            world.large, name, path.open("rb"), enqueue_jobs=False
        ).outcomes
        ids.append(outcome.document_id)
    index = get_index()
    commits: list[list[int]] = []
    replace = index.replace_documents

    def counted(chunks_by_document):  # type: ignore[no-untyped-def]
        commits.append(sorted(chunks_by_document))
        replace(chunks_by_document)

    monkeypatch.setattr(index, "replace_documents", counted)
    outcomes = pipeline.process_documents(ids + [ids[0]])  # a repeated id is processed once
    assert [o.document_id for o in outcomes] == ids + [ids[0]]
    assert [o.ready for o in outcomes] == [True, False, True, True]
    assert commits == [sorted([ids[0], ids[2]])]
    db.session.expire_all()
    docs = [db.session.get(Document, i) for i in ids]
    assert [d.status for d in docs] == ["ready", "failed", "ready"]
    for doc in (docs[0], docs[2]):
        assert_chunks_exact(doc)
        assert outcomes[ids.index(doc.id)].passages == len(doc.chunks)
    hits = {h.chunk_id for h in bm25("데이터기반행정", world.large, limit=50)}
    assert hits and hits <= {c.id for c in docs[2].chunks}
    assert index.count() == len(docs[0].chunks) + len(docs[2].chunks)

    # a small batch budget: one commit per document, the same passages and hits
    docs[2].status = "failed"
    db.session.commit()
    commits.clear()
    monkeypatch.setattr(pipeline, "INDEX_BATCH_CHUNKS", 1)
    before = {(c.page, c.text) for c in docs[2].chunks}
    pipeline.process_documents([ids[2]])
    db.session.expire_all()
    again = db.session.get(Document, ids[2])
    assert again.status == "ready" and {(c.page, c.text) for c in again.chunks} == before
    assert commits == [[ids[2]]]
    assert index.count() == len(docs[0].chunks) + len(again.chunks)  # old entries replaced


def test_an_index_failure_fails_the_batch_and_leaves_nothing_stale(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [
        uploads.add_upload(world.large, name, path.open("rb"), enqueue_jobs=False)
        .outcomes[0]
        .document_id
        for name, path in (("공고문.hwpx", HWPX_SMALL), ("법률.md", MD))
    ]
    index = get_index()

    def broken(chunks_by_document):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(index, "replace_documents", broken)
    outcomes = pipeline.process_documents(ids)
    assert [o.ready for o in outcomes] == [False, False]
    db.session.expire_all()
    for i in ids:
        doc = db.session.get(Document, i)
        assert doc.status == "failed" and "search index" in doc.error
    assert index.count() == 0
