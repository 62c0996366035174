"""PDF: pypdfium2 text per page (fast), pypdf as a second opinion, OCR where the text layer
does not hold what is printed (scans, garbled fonts, text drawn as outlines)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from . import _pdf_judge as judge
from ._text import frozen, make_pages, normalize, rejoin_broken_words
from .base import ExtractionError, ExtractionResult
from .ocr import OCR_DPI, clean_ocr_text, ocr_suspect, read_pages, tesseract_available

__all__ = ["PdfExtractor", "render_page"]

# pdfium is not thread-safe; one lock keeps concurrent extractions in one process safe.
_PDFIUM_LOCK = threading.RLock()

_PYPDF_NOTES: ContextVar[list[str] | None] = ContextVar("pypdf_notes", default=None)


class _PypdfNotes(logging.Handler):
    """Keeps what pypdf logs about a damaged file ("EOF marker not found", "incorrect
    startxref pointer") for the error's detail. pypdf logs these as warnings on its
    ``pypdf`` loggers; with no handler anywhere Python printed them bare on stderr before
    our own clean error. With this one it never does; an application that configured
    logging still gets them through the root logger."""

    def emit(self, record: logging.LogRecord) -> None:
        notes = _PYPDF_NOTES.get()
        if notes is not None:
            notes.append(record.getMessage())


logging.getLogger("pypdf").addHandler(_PypdfNotes())


@contextmanager
def _pypdf_notes() -> Iterator[list[str]]:
    """Within the block, what pypdf logs from this thread goes to the list. (Its Python
    warnings are left alone: ``warnings.catch_warnings`` is process-wide, not safe while
    other threads extract; pypdf reports a damaged file through logging.)"""
    notes: list[str] = []
    token = _PYPDF_NOTES.set(notes)
    try:
        yield notes
    finally:
        _PYPDF_NOTES.reset(token)


@dataclass(frozen=True)
class PdfExtractor:
    """Text per page. A page whose text layer misses what is printed (see _pdf_judge) is
    OCR'd when ``ocr`` is on and tesseract is installed, its OCR text merged with the usable
    part of the layer; otherwise its ``Page.suspect`` says why its text is incomplete. An
    OCR reading of low confidence (ocr.ocr_suspect: noise) marks the page "ocr_low".
    A garbled layer is never returned as text: only its readable lines are kept.

    Raises ExtractionError when no page has text: ``no_text`` saying why when the layers are
    garbled or drawn as outlines, ``ocr_unavailable`` when they are scans and OCR is wanted
    but tesseract is not installed; ``encrypted``/``corrupt`` from the pypdf fallback.
    """

    name: str = "pdf"
    types: frozenset[str] = frozenset({"pdf"})
    ocr: bool = True

    def extract(self, path: Path) -> ExtractionResult:
        import pypdfium2 as pdfium

        with _PDFIUM_LOCK:
            try:
                doc = pdfium.PdfDocument(str(path))
            except pdfium.PdfiumError as exc:
                return _fallback_pypdf(path, exc)
            try:
                texts, verdicts, meta = _read_text(doc)
                candidates = [i for i, v in enumerate(verdicts) if v]
                will_ocr = bool(candidates) and self.ocr and tesseract_available()
                images = [_render(doc[i]) for i in candidates] if will_ocr else []
            finally:
                doc.close()

        ocr_flags = [False] * len(texts)
        suspects = [""] * len(texts)
        if will_ocr:
            for index, read in zip(candidates, read_pages(images), strict=True):
                merged = judge.merge_ocr(texts[index], clean_ocr_text(read.text))
                gain = judge.word_chars(merged) - judge.word_chars(texts[index])
                if gain >= judge.MIN_OCR_GAIN:
                    texts[index] = merged
                    ocr_flags[index] = True
                    suspects[index] = ocr_suspect(read)  # kept, but it may be noise
                elif verdicts[index] == "garbled":
                    suspects[index] = "garbled"  # OCR read nothing either
                else:  # printed marks that OCR could only read as noise
                    suspects[index] = ocr_suspect(read)
        elif candidates:
            for index in candidates:
                suspects[index] = verdicts[index]
            meta["ocr_skipped_pages"] = _page_list(candidates)
        if not any(normalize(t) for t in texts):
            _refuse_unreadable(
                set(suspects), "ran" if will_ocr else "missing" if self.ocr else "off"
            )
        meta["page_count"] = str(len(texts))
        if any(ocr_flags):
            meta["ocr_pages"] = _page_list(i for i, f in enumerate(ocr_flags) if f)
        if any(suspects):
            meta["suspect_pages"] = _page_list(i for i, s in enumerate(suspects) if s)
        return ExtractionResult(
            type="pdf",
            pages=make_pages(texts, ocr_flags=ocr_flags, suspects=suspects),
            metadata=frozen(meta),
        )


def _page_list(indexes) -> str:
    return ",".join(str(i + 1) for i in indexes)


_AFTER = {  # what OCR did about it: English, Korean
    "ran": (" OCR could not read it either.", " OCR로도 읽지 못했습니다."),
    "missing": (
        " OCR (tesseract) is not installed on the server to read it.",
        " 이를 읽을 OCR(tesseract)이 서버에 설치되어 있지 않습니다.",
    ),
    "off": (" Turn OCR on to read it.", " OCR을 켜면 읽을 수 있습니다."),
}


def _refuse_unreadable(reasons: set[str], ocr: str) -> None:
    """No page has text: raise the error that says why (``reasons``: the pages' suspect codes;
    ``ocr``: "ran", "missing" or "off"). Returns when there is nothing more specific to say
    than extract()'s plain ``no_text``."""
    after, after_ko = _AFTER[ocr]
    if "garbled" in reasons:
        raise ExtractionError(
            "no_text",
            "The PDF's text decodes to meaningless symbols (its fonts have no usable character "
            "map)." + after + " Or ask for a PDF saved again with its text.",
            "PDF의 글꼴에 쓸 수 있는 문자 대응표가 없어 텍스트가 의미 없는 기호로 읽힙니다."
            + after_ko
            + " 또는 텍스트를 살려 다시 저장한 PDF를 받아 주세요.",
        )
    if "vector" in reasons:
        raise ExtractionError(
            "no_text",
            "The PDF's text is drawn as outlines (shapes), not stored as text." + after,
            "PDF의 글자가 텍스트가 아닌 도형(윤곽선)으로 그려져 있습니다." + after_ko,
        )
    if "scan" in reasons and ocr == "missing":
        raise ExtractionError("ocr_unavailable")


def _read_text(doc) -> tuple[list[str], list[str], dict[str, str]]:
    """Per page: the usable text layer and the verdict of _pdf_judge ("" = fine); metadata."""
    texts: list[str] = []
    verdicts: list[str] = []
    for index in range(len(doc)):
        page = doc[index]
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
                signals = judge.measure(page, textpage, text)
                verdict = judge.verdict(signals)
                if verdict == "garbled":
                    text = judge.readable_lines(judge.marked_text(textpage))
            finally:
                textpage.close()
            texts.append(rejoin_broken_words(text))
            verdicts.append(verdict)
        finally:
            page.close()
    meta: dict[str, str] = {}
    try:
        info = doc.get_metadata_dict(skip_empty=True)
    except Exception:  # broken Info dictionary: metadata is optional
        info = {}
    for key in (
        "Title",
        "Author",
        "Subject",
        "Keywords",
        "Creator",
        "Producer",
        "CreationDate",
        "ModDate",
    ):
        if info.get(key):
            meta[key.lower()] = info[key]
    return texts, verdicts, meta


def render_page(path: Path, number: int):  # -> PIL.Image.Image
    """Page ``number`` (1-based) of the PDF at ``path`` as the extractor OCRs it (grayscale at
    OCR_DPI); ExtractionError ``corrupt`` when pdfium cannot open it or has no such page."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise ExtractionError("corrupt", detail=f"pdfium: {exc}") from exc
        try:
            if not 1 <= number <= len(doc):
                raise ExtractionError("corrupt", detail=f"no page {number} in {len(doc)}")
            return _render(doc[number - 1])
        finally:
            doc.close()


def _render(page):
    """Render a page for OCR: grayscale at OCR_DPI (said in the image's ``dpi``)."""
    bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
    try:
        image = bitmap.to_pil().copy()
        image.info["dpi"] = (OCR_DPI, OCR_DPI)
        return image
    finally:
        bitmap.close()


def _fallback_pypdf(path: Path, exc: Exception) -> ExtractionResult:
    """pdfium refused the file: tell encrypted from damaged, salvage text with pypdf."""
    message = str(exc)
    if "password" in message.lower() or getattr(exc, "err_code", None) == 4:
        raise ExtractionError("encrypted", detail=message) from exc
    with _pypdf_notes() as notes:
        try:
            from pypdf import PdfReader

            reader = PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                raise ExtractionError("encrypted", detail=message)
            texts = [rejoin_broken_words(page.extract_text() or "") for page in reader.pages]
        except ExtractionError:
            raise
        except Exception as inner:
            said = f" ({'; '.join(notes)})" if notes else ""
            raise ExtractionError(
                "corrupt", detail=f"pdfium: {message}; pypdf: {inner}{said}"
            ) from inner
    if not any(normalize(t) for t in texts):
        raise ExtractionError("corrupt", detail=f"pdfium: {message}; pypdf found no text")
    meta = {"page_count": str(len(texts)), "repaired": "pypdf"}
    return ExtractionResult(type="pdf", pages=make_pages(texts), metadata=frozen(meta))
