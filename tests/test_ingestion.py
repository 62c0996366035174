"""Issue 3, app level: uploads become stored originals, pages, chunks and index entries.

Real corpus files, a real SQLite database and a real whoosh index; embeddings are off
(the default app fixture). Extractor behaviour itself is tested in tests/extractors.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import warnings
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import SAWarning

from reviewapp.extensions import db
from reviewapp.models import Chunk, Document, Page
from reviewapp.services import ingestion, storage
from reviewapp.services.errors import ServiceError
from reviewapp.services.indexing import get_index

from .conftest import CORPUS, World, csrf_token, login, make_app

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


# ---------------------------------------------------------------- helpers


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _upload(client: FlaskClient, submission_id: int, files: list[tuple[str, bytes]], **form: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/submissions/{submission_id}")
    data: dict[str, object] = {
        "csrf_token": token,
        "files": [(io.BytesIO(content), name) for name, content in files],
        **form,
    }
    return client.post(
        f"/submissions/{submission_id}/documents", data=data, content_type="multipart/form-data"
    )


def _batch_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return query["batch"][0]


def _docs(submission_id: int) -> list[Document]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Document).where(Document.submission_id == submission_id).order_by(Document.id)
        )
    )


def _by_name(submission_id: int) -> dict[str, Document]:
    return {d.filename: d for d in _docs(submission_id)}


def _assert_original_kept(app: Flask, document: Document, content: bytes) -> None:
    path = storage.blob_path(Path(app.config["UPLOAD_DIR"]), document.sha256)
    assert path.is_file(), f"{document.filename}: original missing"
    assert document.sha256 == _sha(content)
    assert path.read_bytes() == content, f"{document.filename}: stored bytes differ"
    assert document.size == len(content)
    mode = path.stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), f"{path} is writable"


def _assert_chunks_exact(document: Document) -> None:
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


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _search(query: str, submission_id: int, limit: int = 10):  # type: ignore[no-untyped-def]
    return get_index().search(query, submission_ids=[submission_id], limit=limit, mode="bm25")


# ---------------------------------------------------------------- upload through the web


def test_web_upload_files_and_zip_with_korean_folders(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    archive = _zip(
        {
            "증빙자료/1. 혁신/시민참여/입법예고 공고문.hwpx": HWPX_SMALL.read_bytes(),
            "증빙자료/2. 데이터/특보구역코드.xlsx": XLSX.read_bytes(),
            "증빙자료/2. 데이터/환승센터 표준.hwpx": HWPX_TRANSIT.read_bytes(),
        }
    )
    files = [
        ("데이터기반행정법.md", MD.read_bytes()),
        ("누리호 보도자료.hwp", HWP.read_bytes()),
        ("암호 걸린 문서.hwp", ENCRYPTED.read_bytes()),
        ("증빙 묶음.zip", archive),
    ]
    batch = _batch_of(_upload(client, world.large, files, doc_type="evidence"))

    docs = _by_name(world.large)
    assert set(docs) == {
        "데이터기반행정법.md",
        "누리호 보도자료.hwp",
        "암호 걸린 문서.hwp",
        "입법예고 공고문.hwpx",
        "특보구역코드.xlsx",
        "환승센터 표준.hwpx",
    }
    assert {d.batch for d in docs.values()} == {batch}
    assert docs["입법예고 공고문.hwpx"].folder == "증빙자료/1. 혁신/시민참여"
    assert docs["특보구역코드.xlsx"].folder == "증빙자료/2. 데이터"
    assert docs["데이터기반행정법.md"].folder == ""
    zipped = docs["환승센터 표준.hwpx"]
    assert zipped.doc_metadata["archive"] == "증빙 묶음.zip"
    assert zipped.doc_metadata["archive_sha256"] == _sha(archive)
    # the archive itself is kept too
    assert storage.blob_path(Path(app.config["UPLOAD_DIR"]), _sha(archive)).read_bytes() == archive

    sources = {
        "데이터기반행정법.md": MD,
        "누리호 보도자료.hwp": HWP,
        "암호 걸린 문서.hwp": ENCRYPTED,
        "입법예고 공고문.hwpx": HWPX_SMALL,
        "특보구역코드.xlsx": XLSX,
        "환승센터 표준.hwpx": HWPX_TRANSIT,
    }
    for name, doc in docs.items():
        _assert_original_kept(app, doc, sources[name].read_bytes())
        if name == "암호 걸린 문서.hwp":
            assert doc.status == "failed" and doc.error_code == "encrypted"
            assert not doc.pages and not doc.chunks
            continue
        assert doc.status == "ready", (name, doc.status, doc.error)
        assert doc.error == "" and doc.error_code == ""
        _assert_chunks_exact(doc)
    assert docs["특보구역코드.xlsx"].detected_type == "xlsx"
    assert docs["누리호 보도자료.hwp"].detected_type == "hwp"

    # bulk summary on the submission page: n ready, n failed with the reason
    html = client.get(f"/submissions/{world.large}?batch={batch}").get_data(as_text=True)
    summary = html[html.index('id="batch-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "완료 5" in summary and "실패 1" in summary
    assert "암호 걸린 문서.hwp" in summary
    assert docs["암호 걸린 문서.hwp"].error_ko in summary
    assert "hx-trigger" not in summary  # done: the summary stops polling
    # the summary partial itself, in English
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/rounds")})
    part = client.get(f"/submissions/{world.large}/batches/{batch}").get_data(as_text=True)
    assert "5 ready" in part and "1 failed" in part
    assert docs["암호 걸린 문서.hwp"].error in part


def test_failed_uploads_keep_original_and_give_specific_reasons(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    noise = bytes(range(256)) * 40
    cases = {
        # name: (content, expected status, expected error_code)
        "암호.hwp": (ENCRYPTED.read_bytes(), "failed", "encrypted"),
        "배포용.hwp": (DISTRIBUTION.read_bytes(), "failed", "distribution_only"),
        "잘린 문서.pdf": (SPRI.read_bytes()[:30_000], "failed", "corrupt"),
        "빈 파일.hwpx": (b"", "failed", "empty"),
        "이름만 pdf.pdf": (noise, "failed", "mislabeled"),
        "알 수 없는 자료.bin": (noise + b"\x01", "failed", "unsupported"),
        "사실은 워드.pdf": (DOCX.read_bytes(), "ready", ""),
    }
    batch = _batch_of(_upload(client, world.large, [(n, c) for n, (c, _, _) in cases.items()]))
    docs = _by_name(world.large)
    assert set(docs) == set(cases)
    for name, (content, status, code) in cases.items():
        doc = docs[name]
        assert doc.status == status, (name, doc.status, doc.error)
        assert doc.error_code == code, (name, doc.error_code)
        _assert_original_kept(app, doc, content)
        if status == "failed":
            assert len(doc.error) > 20 and doc.error_ko and HANGUL.search(doc.error_ko), name
            assert not doc.chunks
    assert docs["사실은 워드.pdf"].detected_type == "docx"
    assert docs["사실은 워드.pdf"].doc_metadata.get("mislabeled") == "pdf->docx"
    assert "password" in docs["암호.hwp"].error.lower()
    summary = ingestion.batch_summary(world.large, batch)
    assert summary.done and summary.counts == {"failed": 6, "ready": 1}
    # the original can still be downloaded, byte for byte
    response = client.get(f"/documents/{docs['배포용.hwp'].id}/original")
    assert response.status_code == 200 and response.data == DISTRIBUTION.read_bytes()


def test_duplicate_upload_is_reported_not_added(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    content = HWPX_SMALL.read_bytes()
    _batch_of(_upload(client, world.large, [("공고문.hwpx", content)]))
    assert len(_docs(world.large)) == 1
    first = _docs(world.large)[0]

    response = _upload(client, world.large, [("같은 내용 다른 이름.hwpx", content)])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(_docs(world.large)) == 1, "a duplicate was added"
    assert "같은 내용 다른 이름.hwpx" in page and "공고문.hwpx" in page
    assert re.search(r"duplicate|중복|already|이미", page, re.I), "duplicate not reported"

    report = ingestion.add_upload(world.large, "again.hwpx", io.BytesIO(content))
    assert [o.status for o in report.outcomes] == ["duplicate"]
    assert (
        report.outcomes[0].document_id == first.id and "공고문.hwpx" in report.outcomes[0].message
    )

    # the same file in another applicant's submission is a document of its own
    other = ingestion.add_upload(world.small, "공고문.hwpx", io.BytesIO(content))
    assert [o.status for o in other.outcomes] == ["queued"]
    (doc,) = _docs(world.small)
    assert doc.status == "ready" and doc.sha256 == first.sha256


def _world_in(app: Flask) -> int:
    """A round with one applicant in a freshly made app; returns the submission id."""
    from reviewapp.services import accounts, rounds
    from reviewapp.services.frameworks import import_framework

    from .conftest import FRAMEWORK

    accounts.create_user("coord", "test-pass-1234", "coordinator")
    fw = import_framework(FRAMEWORK)
    r = rounds.create_round("2026 인증", fw.id)
    return rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id


def test_oversized_file_fails_too_large_and_keeps_original(tmp_path: Path) -> None:
    app = make_app(tmp_path, MAX_UPLOAD_BYTES=100_000)
    with app.app_context():
        submission_id = _world_in(app)
        client = app.test_client()
        login(client, "coord")
        big = HWP.read_bytes()  # 257 KB > 100 KB, below the request limit
        small = HWPX_SMALL.read_bytes()
        _batch_of(_upload(client, submission_id, [("큰 파일.hwp", big), ("작은 파일.hwpx", small)]))
        docs = _by_name(submission_id)
        assert docs["큰 파일.hwp"].status == "failed"
        assert docs["큰 파일.hwp"].error_code == "too_large"
        assert "100,000" in docs["큰 파일.hwp"].error
        _assert_original_kept(app, docs["큰 파일.hwp"], big)
        assert docs["작은 파일.hwpx"].status == "ready"
        # a ZIP entry over the limit fails the same way, with the archive kept
        archive = _zip({"폴더/큰 파일 2.hwp": big + b"\0"})
        report = ingestion.add_upload(submission_id, "묶음.zip", io.BytesIO(archive))
        (outcome,) = report.outcomes
        doc = db.session.get(Document, outcome.document_id)
        assert doc.status == "failed" and doc.error_code == "too_large", doc.error
        assert (
            storage.blob_path(Path(app.config["UPLOAD_DIR"]), _sha(archive)).read_bytes() == archive
        )
        db.session.remove()


def test_request_over_the_body_limit_is_readable(tmp_path: Path) -> None:
    app = make_app(tmp_path, MAX_UPLOAD_BYTES=20_000)
    with app.app_context():
        submission_id = _world_in(app)
        client = app.test_client()
        login(client, "coord")
        response = _upload(client, submission_id, [("큰 파일.hwp", HWP.read_bytes())])
        assert response.status_code == 413
        assert "<html" in response.get_data(as_text=True).lower()
        db.session.remove()


def _bomb() -> bytes:
    return _zip({"폴더/zeros.txt": b"0" * (8 * 1024 * 1024)})


def _traversal() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("정상/문서.txt", "스마트도시 통합운영센터".encode())
        zf.writestr("../../탈출.txt", "밖으로 나가려는 파일".encode())
    return buf.getvalue()


def _many() -> bytes:
    return _zip({f"자료/{i:04d}.txt": f"문서 {i}".encode() for i in range(2001)})


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (_bomb, "too_large", "ratio"),
        (_traversal, "corrupt", "traversal"),
        (_many, "too_large", "entries"),
    ],
    ids=["bomb", "traversal", "too-many-entries"],
)
def test_unsafe_zip_becomes_failed_document_with_original(
    app: Flask,
    world: World,
    make,
    code: str,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    archive = make()
    report = ingestion.add_upload(world.large, "위험한 묶음.zip", io.BytesIO(archive))
    (outcome,) = report.outcomes
    assert outcome.status == "failed" and outcome.message
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == code
    assert words in doc.error.lower(), doc.error
    assert doc.error_ko and HANGUL.search(doc.error_ko)
    _assert_original_kept(app, doc, archive)
    # nothing from the archive leaked into the submission, and no temp files stay behind
    assert [d.id for d in _docs(world.large)] == [doc.id]
    assert not list((Path(app.config["DATA_DIR"]) / "tmp").iterdir())
    # the failed archive is retried to the same reason, not crashed
    ingestion.retry(doc.id)
    db.session.expire_all()
    assert doc.status == "failed" and doc.error_code == code


def test_failed_zip_retried_after_limit_raised_is_unpacked(app: Flask, world: World) -> None:
    app.config["ZIP_MAX_ENTRIES"] = 2
    archive = _zip(
        {
            "가/공고문.hwpx": HWPX_SMALL.read_bytes(),
            "가/법률.md": MD.read_bytes(),
            "나/표준.hwpx": HWPX_TRANSIT.read_bytes(),
        }
    )
    (outcome,) = ingestion.add_upload(
        world.large, "묶음.zip", io.BytesIO(archive), folder="상위"
    ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == "too_large" and "entries" in doc.error
    assert doc.folder == "상위"
    app.config["ZIP_MAX_ENTRIES"] = 2000
    ingestion.retry(doc.id)
    docs = _by_name(world.large)
    assert docs["묶음.zip"].status == "ready" and docs["묶음.zip"].error == ""
    assert {n: (d.folder, d.status) for n, d in docs.items() if n != "묶음.zip"} == {
        "공고문.hwpx": ("상위/가", "ready"),
        "법률.md": ("상위/가", "ready"),
        "표준.hwpx": ("상위/나", "ready"),
    }
    assert all(
        d.doc_metadata["archive_sha256"] == _sha(archive)
        for n, d in docs.items()
        if n != "묶음.zip"
    )
    _assert_original_kept(app, docs["묶음.zip"], archive)


# ---------------------------------------------------------------- retry, delete


def _record_statuses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original_set, original_fail = ingestion._set_status, ingestion._fail

    def set_status(document, status):  # type: ignore[no-untyped-def]
        seen.append(status.value)
        original_set(document, status)

    def fail(document, exc):  # type: ignore[no-untyped-def]
        seen.append("failed")
        original_fail(document, exc)

    monkeypatch.setattr(ingestion, "_set_status", set_status)
    monkeypatch.setattr(ingestion, "_fail", fail)
    return seen


def test_retry_failed_document_same_reason(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (outcome,) = ingestion.add_upload(world.large, "암호.hwp", ENCRYPTED.open("rb")).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == "encrypted"
    first_error = doc.error
    seen = _record_statuses(monkeypatch)
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
    (outcome,) = ingestion.add_upload(world.large, "스캔본.pdf", SCANNED.open("rb")).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == "no_text", doc.error
    assert "OCR" in doc.error
    _assert_original_kept(app, doc, SCANNED.read_bytes())

    app.config["OCR_ENABLED"] = True
    seen = _record_statuses(monkeypatch)
    ingestion.retry(doc.id)
    assert seen == ["queued", "extracting", "indexing", "ready"]
    db.session.expire_all()
    assert doc.status == "ready" and doc.error == "" and doc.error_code == ""
    assert [p.number for p in doc.pages] == [1, 2]
    assert all(p.ocr for p in doc.pages)
    for page in doc.pages:
        assert len(HANGUL.findall(page.text)) > 200, page.text[:200]
    _assert_chunks_exact(doc)
    # page 5 of the brief (scan page 1) is the G7 Hiroshima process, page 6 the Bletchley summit
    assert "히로시마" in doc.pages[0].text and "블레출리" in doc.pages[1].text
    assert _search("히로시마", world.large)[0].page == 1
    assert _search("블레출리", world.large)[0].page == 2

    with pytest.raises(ServiceError):
        ingestion.retry(doc.id)
    login(client, "coord")
    token = csrf_token(client, f"/submissions/{world.large}")
    response = client.post(f"/documents/{doc.id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "only a failed document can be retried" in page or "실패한 문서만" in page
    db.session.expire_all()
    assert doc.status == "ready" and len(doc.chunks) > 0


def test_delete_removes_index_entries_and_rows_but_keeps_original(
    app: Flask, client: FlaskClient, world: World
) -> None:
    content = MD.read_bytes()
    (outcome,) = ingestion.add_upload(
        world.large, "데이터기반행정법.md", io.BytesIO(content)
    ).outcomes
    keep = ingestion.add_upload(world.large, "공고문.hwpx", HWPX_SMALL.open("rb")).outcomes[0]
    doc = db.session.get(Document, outcome.document_id)
    doc_id, sha, n_chunks = doc.id, doc.sha256, len(doc.chunks)
    assert n_chunks > 0
    hits = _search("데이터기반행정", world.large)
    assert hits and {h.document_id for h in hits} == {doc_id}
    kept_hits = _search("입법예고", world.large)
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
    assert _search("데이터기반행정", world.large) == []
    assert get_index().search("데이터기반행정", document_ids=[doc_id]) == []
    # other documents stay searchable; the original stays archived
    assert any(h.document_id == keep.document_id for h in _search("입법예고", world.large))
    assert storage.blob_path(Path(app.config["UPLOAD_DIR"]), sha).read_bytes() == content
    # uploading it again is allowed now (not a duplicate of a deleted document)
    again = ingestion.add_upload(world.large, "데이터기반행정법.md", io.BytesIO(content)).outcomes[
        0
    ]
    assert again.status == "queued"
    assert db.session.get(Document, again.document_id).status == "ready"


# ---------------------------------------------------------------- page correctness


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
    (outcome,) = ingestion.add_upload(world.large, "AI 브리프.pdf", SPRI.open("rb")).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "ready" and doc.page_count == len(texts) == 23
    pages = {p.number: " ".join(p.text.split()) for p in doc.pages}
    for number in (7, 12, 20):
        phrase = _distinctive_line(texts, number)
        assert phrase in pages[number], (number, phrase)
        assert not any(phrase in pages[n] for n in pages if n != number)
        hits = _search(phrase, world.large, limit=3)
        assert hits and hits[0].page == number, (phrase, [(h.page, h.score) for h in hits])
        chunk = db.session.get(Chunk, hits[0].chunk_id)
        assert chunk.page == number and chunk.document_id == doc.id
    _assert_chunks_exact(doc)


# ---------------------------------------------------------------- CLI


def test_cli_ingest_every_format_one_line_each(app: Flask, world: World, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    files = [HWP, HWPX, DOCX, XLSX, MD]
    result = runner.invoke(args=["ingest", *map(str, files), "--submission", str(world.large)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(files), lines
    for line, path in zip(lines, files, strict=True):
        assert line.split()[0] == "ready", line
        assert path.name in line and "pages=" in line
    docs = _by_name(world.large)
    assert set(docs) == {p.name for p in files}
    for path in files:
        assert docs[path.name].status == "ready"
        _assert_chunks_exact(docs[path.name])
        _assert_original_kept(app, docs[path.name], path.read_bytes())
    assert {docs[p.name].detected_type for p in files} >= {"hwp", "hwpx", "docx", "xlsx"}

    # the same files again: one "duplicate" line each, nothing added
    again = runner.invoke(args=["ingest", str(HWP), "--submission", str(world.large)])
    assert again.stdout.split()[0] == "duplicate" and len(_docs(world.large)) == len(files)

    # JSON lines, and a failure line with its reason
    result = runner.invoke(
        args=["ingest", str(ENCRYPTED), "--submission", str(world.small), "--json"]
    )
    (row,) = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert row["status"] == "failed" and "password" in row["message"].lower()
    assert result.exit_code != 0  # every document failed


def test_cli_ingest_folder_keeps_sub_folders(app: Flask, world: World, tmp_path: Path) -> None:
    root = tmp_path / "한빛시 제출"
    (root / "1. 혁신" / "시민참여").mkdir(parents=True)
    (root / "2. 데이터").mkdir()
    (root / "1. 혁신" / "시민참여" / "공고문.hwpx").write_bytes(HWPX_SMALL.read_bytes())
    (root / "2. 데이터" / "표준.hwpx").write_bytes(HWPX_TRANSIT.read_bytes())
    (root / "개요.md").write_bytes(MD.read_bytes())
    (root / "2. 데이터" / "암호.hwp").write_bytes(ENCRYPTED.read_bytes())
    (root / "3. 묶음").mkdir()
    (root / "3. 묶음" / "추가 자료.zip").write_bytes(
        _zip({"조례/법률.md": (CORPUS / "law-public-data-act.md").read_bytes()})
    )
    result = app.test_cli_runner().invoke(
        args=["ingest", str(root), "--submission", str(world.large)]
    )
    assert result.exit_code == 0, result.output  # some documents failed, not all
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    assert any(
        line.startswith("failed") and "2. 데이터/암호.hwp" in line and "reason:" in line
        for line in lines
    )
    assert any(
        line.startswith("ready") and "1. 혁신/시민참여/공고문.hwpx" in line for line in lines
    )
    docs = _by_name(world.large)
    assert docs["공고문.hwpx"].folder == "1. 혁신/시민참여"
    assert docs["표준.hwpx"].folder == "2. 데이터"
    assert docs["개요.md"].folder == ""
    # a ZIP inside a sub-folder: the sub-folder, then the folders inside the archive
    assert docs["법률.md"].folder == "3. 묶음/조례" and docs["법률.md"].status == "ready"
    assert docs["암호.hwp"].status == "failed" and docs["암호.hwp"].error_code == "encrypted"


def test_cli_extract_json_exact_shape(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    before = len(_docs(world.large))
    result = runner.invoke(args=["extract", str(HWPX), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert list(payload) == ["file", "type", "pages"]
    assert payload["file"] == HWPX.name and payload["type"] == "hwpx"
    assert payload["pages"] and all(list(p) == ["number", "text"] for p in payload["pages"])
    assert [p["number"] for p in payload["pages"]] == list(range(1, len(payload["pages"]) + 1))
    assert "누리" in "".join(p["text"] for p in payload["pages"])
    assert len(_docs(world.large)) == before  # touches no database


def test_cli_extract_encrypted_fails_on_stderr(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["extract", str(ENCRYPTED), "--json"])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert ENCRYPTED.name in result.stderr and "password" in result.stderr.lower()
    missing = runner.invoke(args=["extract", str(tmp_path / "없는 파일.pdf"), "--json"])
    assert missing.exit_code != 0 and missing.stdout == "" and "없는 파일.pdf" in missing.stderr


# ---------------------------------------------------------------- progress and viewer


def test_row_polls_while_queued_and_stops_when_done(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    (queued,) = ingestion.add_upload(
        world.large, "공고문.hwpx", HWPX_SMALL.open("rb"), enqueue_jobs=False
    ).outcomes
    (bad,) = ingestion.add_upload(
        world.large, "암호.hwp", ENCRYPTED.open("rb"), enqueue_jobs=False
    ).outcomes
    row = client.get(f"/documents/{queued.document_id}/row").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in row and f'hx-get="/documents/{queued.document_id}/row"' in row
    page = client.get(f"/submissions/{world.large}").get_data(as_text=True)
    assert page.count('hx-trigger="every 2s"') == 2

    ingestion.process_document(queued.document_id)
    ingestion.process_document(bad.document_id)
    for doc_id, status in ((queued.document_id, "ready"), (bad.document_id, "failed")):
        row = client.get(f"/documents/{doc_id}/row").get_data(as_text=True)
        assert f'id="doc-{doc_id}"' in row and f"badge {status}" in row
        assert "hx-trigger" not in row
    page = client.get(f"/submissions/{world.large}").get_data(as_text=True)
    assert "hx-trigger" not in page[page.index('id="document-list"') :]


def test_view_marks_chunk_and_escapes_text(app: Flask, client: FlaskClient, world: World) -> None:
    text = (
        "스마트도시 통합운영센터는 2023년에 개소하였다. " * 15
        + "\n\n보안 점검 결과 <script>alert(1)</script> 문자열이 입력 값에서 발견되었다. "
        + "시민 참여 플랫폼의 운영 실적은 연간 1,200건이다. " * 12
    )
    (outcome,) = ingestion.add_upload(
        world.large, "운영 보고.txt", io.BytesIO(text.encode())
    ).outcomes
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "ready" and len(doc.chunks) >= 2
    target = next(c for c in doc.chunks if "<script>" in c.text)
    login(client, "eva")
    html = client.get(f"/documents/{doc.id}?chunk={target.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    marked = re.search(rf'<mark id="chunk-{target.id}">(.*?)</mark>', html, re.S)
    assert marked, "chunk not marked"
    assert "&lt;script&gt;" in marked.group(1)
    assert marked.group(1).count("운영") >= 1
    assert html.count("<mark") == 1
    # a chunk of another document is ignored, not marked
    (other,) = ingestion.add_upload(world.large, "공고문.hwpx", HWPX_SMALL.open("rb")).outcomes
    foreign = db.session.get(Document, other.document_id).chunks[0]
    html = client.get(f"/documents/{doc.id}?chunk={foreign.id}").get_data(as_text=True)
    assert "<mark" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
