"""PDF: pypdfium2 text per page (fast), pypdf as a second opinion, OCR for scanned pages."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ._text import frozen, make_pages, normalize, rejoin_broken_words
from .base import ExtractionError, ExtractionResult
from .ocr import OCR_DPI, ocr_images, tesseract_available

__all__ = ["PdfExtractor"]

MIN_TEXT_CHARS = 20
"""Pages with fewer non-space characters than this (and an image) are treated as scans."""

# pdfium is not thread-safe; one lock keeps concurrent extractions in one process safe.
_PDFIUM_LOCK = threading.RLock()


@dataclass(frozen=True)
class PdfExtractor:
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
                texts, scan_candidates, meta = _read_text(doc)
                will_ocr = bool(scan_candidates) and self.ocr and tesseract_available()
                images = [_render(doc[i]) for i in scan_candidates] if will_ocr else []
            finally:
                doc.close()

        ocr_flags = [False] * len(texts)
        if scan_candidates:
            if self.ocr and tesseract_available():
                for index, text in zip(scan_candidates, ocr_images(images), strict=False):
                    if len(normalize(text)) > len(normalize(texts[index])):
                        texts[index] = text
                        ocr_flags[index] = True
            elif self.ocr and not any(normalize(t) for t in texts):
                raise ExtractionError("ocr_unavailable")
            else:
                meta["ocr_skipped_pages"] = ",".join(str(i + 1) for i in scan_candidates)
        meta["page_count"] = str(len(texts))
        if any(ocr_flags):
            meta["ocr_pages"] = ",".join(str(i + 1) for i, f in enumerate(ocr_flags) if f)
        return ExtractionResult(
            type="pdf", pages=make_pages(texts, ocr_flags=ocr_flags), metadata=frozen(meta)
        )


def _read_text(doc) -> tuple[list[str], list[int], dict[str, str]]:
    import pypdfium2.raw as raw

    texts: list[str] = []
    scans: list[int] = []
    for index in range(len(doc)):
        page = doc[index]
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
            text = rejoin_broken_words(text)
            texts.append(text)
            if len(normalize(text).replace(" ", "").replace("\n", "")) < MIN_TEXT_CHARS and any(
                obj.type == raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2)
            ):
                scans.append(index)
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
    return texts, scans, meta


def _render(page):
    """Render a page for OCR: grayscale at OCR_DPI."""
    bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
    try:
        return bitmap.to_pil().copy()
    finally:
        bitmap.close()


def _fallback_pypdf(path: Path, exc: Exception) -> ExtractionResult:
    """pdfium refused the file: tell encrypted from damaged, salvage text with pypdf."""
    message = str(exc)
    if "password" in message.lower() or getattr(exc, "err_code", None) == 4:
        raise ExtractionError("encrypted", detail=message) from exc
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            raise ExtractionError("encrypted", detail=message)
        texts = [rejoin_broken_words(page.extract_text() or "") for page in reader.pages]
    except ExtractionError:
        raise
    except Exception as inner:
        raise ExtractionError("corrupt", detail=f"pdfium: {message}; pypdf: {inner}") from inner
    if not any(normalize(t) for t in texts):
        raise ExtractionError("corrupt", detail=f"pdfium: {message}; pypdf found no text")
    meta = {"page_count": str(len(texts)), "repaired": "pypdf"}
    return ExtractionResult(type="pdf", pages=make_pages(texts), metadata=frozen(meta))
