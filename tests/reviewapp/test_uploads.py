"""Intake of uploads (services/uploads.py): files and ZIPs become stored originals and queued
documents, with folders kept; duplicates are reported, not added; unsafe ZIPs and files over
the limits fail with a reason and keep their original; requests over the cap get a page.

Real corpus files, a real SQLite database and a real whoosh index; jobs run inline and
embeddings are off (the default app fixture). Extractor behaviour itself is tested in
tests/extractors.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extractors import ERROR_CODES
from reviewapp import queue
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Document
from reviewapp.services import documents, storage, uploads
from tests.conftest import World, csrf_token, login, make_app
from tests.reviewapp.helpers import (
    DISTRIBUTION,
    DOCX,
    ENCRYPTED,
    HANGUL,
    HWP,
    HWPX_SMALL,
    HWPX_TRANSIT,
    MD,
    SPRI,
    XLSX,
    assert_chunks_exact,
    assert_original_kept,
    batch_of,
    by_name,
    docs_of,
    flashes,
    sha,
    upload,
    world_in,
    zip_of,
)

# ---------------------------------------------------------------- upload through the web


def test_web_upload_files_and_zip_with_korean_folders(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    archive = zip_of(
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
    batch = batch_of(upload(client, world.large, files, doc_type="evidence"))

    docs = by_name(world.large)
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
    assert zipped.doc_metadata["archive_sha256"] == sha(archive)
    # the archive itself is kept too
    assert storage.blob_path(Path(app.config["UPLOAD_DIR"]), sha(archive)).read_bytes() == archive

    sources = {
        "데이터기반행정법.md": MD,
        "누리호 보도자료.hwp": HWP,
        "암호 걸린 문서.hwp": ENCRYPTED,
        "입법예고 공고문.hwpx": HWPX_SMALL,
        "특보구역코드.xlsx": XLSX,
        "환승센터 표준.hwpx": HWPX_TRANSIT,
    }
    for name, doc in docs.items():
        assert_original_kept(app, doc, sources[name].read_bytes())
        if name == "암호 걸린 문서.hwp":
            assert doc.status == "failed" and doc.error_code == "encrypted"
            assert not doc.pages and not doc.chunks
            continue
        assert doc.status == "ready", (name, doc.status, doc.error)
        assert doc.error == "" and doc.error_code == ""
        assert_chunks_exact(doc)
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
        "이름만 pdf.pdf": (noise, "failed", "mislabeled"),
        "알 수 없는 자료.bin": (noise + b"\x01", "failed", "unsupported"),
        "사실은 워드.pdf": (DOCX.read_bytes(), "ready", ""),
    }
    empty = "빈 파일.hwpx"
    response = upload(
        client, world.large, [(n, c) for n, (c, _, _) in cases.items()] + [(empty, b"")]
    )
    batch = batch_of(response)
    docs = by_name(world.large)
    # a 0-byte file has nothing to keep: it is reported with its reason, not made a document
    assert set(docs) == set(cases)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert empty in page and html.escape(ERROR_CODES["empty"][0]) in page
    (outcome,) = uploads.add_upload(world.large, empty, io.BytesIO(b"")).outcomes
    assert (outcome.status, outcome.document_id) == ("failed", None)
    assert (outcome.message, outcome.message_ko) == ERROR_CODES["empty"]
    assert HANGUL.search(outcome.message_ko) and len(outcome.message) > 20
    assert set(by_name(world.large)) == set(cases)
    for name, (content, status, code) in cases.items():
        doc = docs[name]
        assert doc.status == status, (name, doc.status, doc.error)
        assert doc.error_code == code, (name, doc.error_code)
        assert_original_kept(app, doc, content)
        if status == "failed":
            assert len(doc.error) > 20 and doc.error_ko and HANGUL.search(doc.error_ko), name
            assert not doc.chunks
    assert docs["사실은 워드.pdf"].detected_type == "docx"
    assert docs["사실은 워드.pdf"].doc_metadata.get("mislabeled") == "pdf->docx"
    assert "password" in docs["암호.hwp"].error.lower()
    summary = documents.batch_summary(world.large, batch)
    assert summary.done and summary.counts == {"failed": 5, "ready": 1}
    # the original can still be downloaded, byte for byte
    response = client.get(f"/documents/{docs['배포용.hwp'].id}/original")
    assert response.status_code == 200 and response.data == DISTRIBUTION.read_bytes()


def test_duplicate_upload_is_reported_not_added(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "coord")
    content = HWPX_SMALL.read_bytes()
    batch_of(upload(client, world.large, [("공고문.hwpx", content)]))
    assert len(docs_of(world.large)) == 1
    first = docs_of(world.large)[0]

    response = upload(client, world.large, [("같은 내용 다른 이름.hwpx", content)])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(docs_of(world.large)) == 1, "a duplicate was added"
    assert "같은 내용 다른 이름.hwpx" in page and "공고문.hwpx" in page
    assert re.search(r"duplicate|중복|already|이미", page, re.I), "duplicate not reported"

    report = uploads.add_upload(world.large, "again.hwpx", io.BytesIO(content))
    assert [o.status for o in report.outcomes] == ["duplicate"]
    assert (
        report.outcomes[0].document_id == first.id and "공고문.hwpx" in report.outcomes[0].message
    )

    # the same file in another applicant's submission is a document of its own
    other = uploads.add_upload(world.small, "공고문.hwpx", io.BytesIO(content))
    assert [o.status for o in other.outcomes] == ["queued"]
    (doc,) = docs_of(world.small)
    assert doc.status == "ready" and doc.sha256 == first.sha256


def test_oversized_file_fails_too_large_and_keeps_original(tmp_path: Path) -> None:
    app = make_app(tmp_path, MAX_UPLOAD_BYTES=100_000)
    with app.app_context():
        submission_id = world_in(app)
        client = app.test_client()
        login(client, "coord")
        big = HWP.read_bytes()  # 257 KB > 100 KB, below the request limit
        small = HWPX_SMALL.read_bytes()
        batch_of(upload(client, submission_id, [("큰 파일.hwp", big), ("작은 파일.hwpx", small)]))
        docs = by_name(submission_id)
        assert docs["큰 파일.hwp"].status == "failed"
        assert docs["큰 파일.hwp"].error_code == "too_large"
        assert "100,000" in docs["큰 파일.hwp"].error
        assert_original_kept(app, docs["큰 파일.hwp"], big)
        assert docs["작은 파일.hwpx"].status == "ready"
        # a ZIP entry over the limit fails the same way, with the archive kept
        archive = zip_of({"폴더/큰 파일 2.hwp": big + b"\0"})
        report = uploads.add_upload(submission_id, "묶음.zip", io.BytesIO(archive))
        (outcome,) = report.outcomes
        doc = db.session.get(Document, outcome.document_id)
        assert doc.status == "failed" and doc.error_code == "too_large", doc.error
        assert (
            storage.blob_path(Path(app.config["UPLOAD_DIR"]), sha(archive)).read_bytes() == archive
        )
        db.session.remove()


def test_request_over_the_body_limit_is_readable(tmp_path: Path) -> None:
    app = make_app(tmp_path, MAX_UPLOAD_BYTES=20_000)
    with app.app_context():
        submission_id = world_in(app)
        client = app.test_client()
        login(client, "coord")
        response = upload(client, submission_id, [("큰 파일.hwp", HWP.read_bytes())])
        assert response.status_code == 413
        assert "<html" in response.get_data(as_text=True).lower()
        db.session.remove()


def _bomb() -> bytes:
    return zip_of({"폴더/zeros.txt": b"0" * (8 * 1024 * 1024)})


def _traversal() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("정상/문서.txt", "스마트도시 통합운영센터".encode())
        zf.writestr("../../탈출.txt", "밖으로 나가려는 파일".encode())
    return buf.getvalue()


def _many() -> bytes:
    return zip_of({f"자료/{i:04d}.txt": f"문서 {i}".encode() for i in range(2001)})


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
    report = uploads.add_upload(world.large, "위험한 묶음.zip", io.BytesIO(archive))
    (outcome,) = report.outcomes
    assert outcome.status == "failed" and outcome.message
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "failed" and doc.error_code == code
    assert words in doc.error.lower(), doc.error
    assert doc.error_ko and HANGUL.search(doc.error_ko)
    assert_original_kept(app, doc, archive)
    # nothing from the archive leaked into the submission, and no temp files stay behind
    assert [d.id for d in docs_of(world.large)] == [doc.id]
    assert not list((Path(app.config["DATA_DIR"]) / "tmp").iterdir())
    # the failed archive is retried to the same reason, not crashed
    documents.retry(doc.id)
    db.session.expire_all()
    assert doc.status == "failed" and doc.error_code == code


def small_text() -> bytes:
    return "스마트도시 통합운영센터 운영 실적 보고. 시민 참여 플랫폼 연간 1,200건.\n".encode() * 5


@pytest.fixture()
def small_limit(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(tmp_path, MAX_UPLOAD_BYTES=1000)
    with app.app_context():
        yield app, world_in(app)
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
    original_enqueue = queue.enqueue

    def enqueue(name: str, *args: object, **kwargs: object) -> None:
        queued.append(args[0])  # type: ignore[arg-type]
        original_enqueue(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queue, "enqueue", enqueue)
    big = small_text() * 4
    assert len(big) > 1000
    (outcome,) = uploads.add_upload(submission_id, "운영 보고.txt", io.BytesIO(big)).outcomes
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
    (small,) = uploads.add_upload(submission_id, "요약.txt", io.BytesIO(small_text())).outcomes
    assert small.status == "queued"
    assert db.session.get(Document, small.document_id).status == "ready"
    documents.retry(doc.id)
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "failed"  # same limit, same reason
    app.config["MAX_UPLOAD_BYTES"] = 100_000
    documents.retry(doc.id)
    db.session.expire_all()
    doc = db.session.get(Document, outcome.document_id)
    assert doc.status == "ready" and doc.error == "" and doc.chunks


def test_oversized_file_via_web_form_is_listed_with_reason(small_limit: tuple[Flask, int]) -> None:
    app, submission_id = small_limit
    client = app.test_client()
    login(client, "coord")
    big = small_text() * 3  # over 1,000 bytes per file, under the 5,000-byte request cap
    token = csrf_token(client, f"/submissions/{submission_id}")
    page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
    assert "1,000 B" in page and "4.9 KB" in page  # the limits are shown by the form
    response = client.post(
        f"/submissions/{submission_id}/documents",
        data={
            "csrf_token": token,
            "files": [
                (io.BytesIO(big), "큰 보고서.txt"),
                (io.BytesIO(small_text()), "작은 보고서.txt"),
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
    (message,) = flashes(html)
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
    (message,) = flashes(response.get_data(as_text=True))
    assert "최대 3개" in message and "1,000 B" in message
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
