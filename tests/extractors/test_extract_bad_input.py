"""Bad uploads fail with a specific code and a readable message, never a crash."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from extractor_corpus import corpus_file

from extractors import ExtractionError, extract


def _code(path: Path, **kwargs: object) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        extract(path, **kwargs)  # type: ignore[arg-type]
    assert info.value.message and info.value.message_ko
    return info.value


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert _code(path).code == "empty"


def test_missing_file(tmp_path: Path) -> None:
    assert _code(tmp_path / "nope.pdf").code == "corrupt"


def test_too_large(tmp_path: Path) -> None:
    err = _code(corpus_file("spri-ai-brief-2023-12.pdf"), max_bytes=1000)
    assert err.code == "too_large"
    assert "1,000" in err.message


@pytest.mark.parametrize(
    "name",
    [
        "spri-ai-brief-2023-12.pdf",
        "gov-digital-innovation-plan-2019.hwp",
        "msit-nuri-press-release-2018.hwpx",
        "kma-weather-warning-api-guide.docx",
        "kma-warning-zone-codes-2020.xlsx",
    ],
)
def test_truncated_real_file(name: str, tmp_path: Path) -> None:
    data = corpus_file(name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2])
    try:
        result = extract(path)
    except ExtractionError as err:
        assert err.code in {"corrupt", "no_text"}, err
    else:  # a lenient parser may salvage the first half; it must then be real text
        assert any(page.text for page in result.pages)


def test_truncated_pdf_logs_nothing_and_keeps_pypdf_note_in_detail(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """pdfium refuses a PDF cut short; pypdf, asked next, logs "EOF marker not found". Its
    note ends up in the error's detail; nothing reaches stderr (Python's last-resort handler
    printed it bare before the CLI's clean error)."""
    import logging

    path = tmp_path / "truncated.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    err = _code(path)
    assert err.code == "corrupt"
    assert "EOF marker not found" in (err.detail or "")
    assert capfd.readouterr().err == ""
    # an application that set up logging still sees pypdf's warning in its own log
    with caplog.at_level(logging.WARNING):
        _code(path)
    assert any(r.name.startswith("pypdf") for r in caplog.records)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(random.Random(1).randbytes(4096))
    assert _code(path).code == "mislabeled"
    path2 = tmp_path / "blob.bin"
    path2.write_bytes(random.Random(2).randbytes(4096))
    assert _code(path2).code == "unsupported"


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(str(corpus_file("spri-ai-brief-2023-12.pdf"))).pages[4])
    writer.encrypt("secret")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert _code(path).code == "encrypted"


def test_owner_password_only_pdf_still_reads(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(str(corpus_file("spri-ai-brief-2023-12.pdf"))).pages[4])
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "restricted.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert "히로시마" in extract(path).pages[0].text


def test_password_hwp() -> None:
    err = _code(corpus_file("password-protected-fixture.hwp"))
    assert err.code == "encrypted"
    assert "password" in err.message.lower() and "암호" in err.message_ko


def test_distribution_hwp_does_not_return_decoy() -> None:
    err = _code(corpus_file("hancom-distribution-doc-spec.hwp"))
    assert err.code == "distribution_only"
    assert "distribution" in err.message.lower() and "배포용" in err.message_ko


def test_mislabeled_docx_named_pdf(tmp_path: Path) -> None:
    path = tmp_path / "evidence.pdf"
    path.write_bytes(corpus_file("kma-weather-warning-api-guide.docx").read_bytes())
    result = extract(path)
    assert result.type == "docx"
    assert result.metadata["mislabeled"] == "pdf->docx"


def test_mislabeled_hwp_named_hwpx(tmp_path: Path) -> None:
    path = tmp_path / "press.hwpx"
    path.write_bytes(corpus_file("msit-nuri-press-release-2018.hwp").read_bytes())
    result = extract(path)
    assert result.type == "hwp"
    assert result.metadata["mislabeled"] == "hwpx->hwp"


def test_correct_name_has_no_mislabel_mark() -> None:
    assert "mislabeled" not in extract(corpus_file("msit-nuri-press-release-2018.hwp")).metadata


def test_unsupported_executable(tmp_path: Path) -> None:
    path = tmp_path / "setup.exe"
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(2000))
    assert _code(path).code == "unsupported"


def test_pptx_without_slides_part_is_corrupt(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/presentation.xml", "<p:presentation/>")
    path = tmp_path / "slides.pptx"
    path.write_bytes(buffer.getvalue())
    assert _code(path).code == "corrupt"


def test_plain_zip_is_not_a_document(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "안녕하세요")
    err = _code(path)
    assert err.code == "unsupported"
    assert "archive" in err.message


def test_document_without_text(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    assert _code(path).code == "no_text"


def test_library_failure_is_wrapped_as_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from extractors import registry

    class Exploding:
        name = "boom"
        types = frozenset({"text"})

        def extract(self, path: Path):  # noqa: ANN201 - test double
            raise KeyError("library bug")

    monkeypatch.setitem(registry.REGISTRY, "text", Exploding())
    path = tmp_path / "a.txt"
    path.write_text("가나다", encoding="utf-8")
    err = _code(path)
    assert err.code == "corrupt"
    assert "library bug" in err.detail
