"""Images (PNG, JPEG, TIFF incl. multi-page, BMP, GIF, WebP): every frame is a page, OCR'd.

A frame is first turned as its EXIF Orientation tag says (phones and some scanners store
the pixels sideways and only the tag upright); OCR then checks pages that still read
badly for orientation (extractors/ocr.py). A page scanned under OCR_DPI (its resolution
tag, else its A4 or Letter shape) is enlarged to OCR_DPI before OCR, as PDF pages are
rendered at it (ocr._prepare).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._text import frozen, make_pages
from .base import ExtractionError, ExtractionResult
from .ocr import clean_ocr_text, ocr_suspect, read_pages, tesseract_available

__all__ = ["ImageExtractor", "frame_image"]

MAX_FRAMES = 500


@dataclass(frozen=True)
class ImageExtractor:
    """Every frame OCR'd into a page; a frame read with low confidence (noise: blurred,
    faint, speckled) is marked suspect "ocr_low" (ocr.ocr_suspect). Raises ExtractionError
    ``no_text`` with OCR off, ``ocr_unavailable`` without tesseract, ``too_large`` for a
    decompression bomb and ``corrupt`` for an image Pillow cannot read."""

    name: str = "image"
    types: frozenset[str] = frozenset({"image"})
    ocr: bool = True

    def extract(self, path: Path) -> ExtractionResult:
        from PIL import Image, ImageSequence, UnidentifiedImageError

        if not self.ocr:
            raise ExtractionError(
                "no_text",
                "The file is an image and OCR is switched off, so there is no text to read.",
                "이미지 파일인데 OCR이 꺼져 있어 읽을 텍스트가 없습니다.",
            )
        if not tesseract_available():
            raise ExtractionError("ocr_unavailable")
        try:
            with Image.open(path) as image:
                fmt = image.format or ""
                frames = []
                for index, frame in enumerate(ImageSequence.Iterator(image)):
                    if index >= MAX_FRAMES:
                        break
                    frames.append(_upright(frame))
        except Image.DecompressionBombError as exc:
            raise ExtractionError("too_large", detail=str(exc)) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ExtractionError("corrupt", detail=f"Pillow: {exc}") from exc
        read = read_pages(frames)
        texts = [clean_ocr_text(page.text) for page in read]
        meta = {
            "format": fmt,
            "page_count": str(len(texts)),
            "ocr_pages": ",".join(str(i) for i in range(1, len(texts) + 1)),
        }
        turned = [f"{i}:{page.rotation}" for i, page in enumerate(read, 1) if page.rotation]
        if turned:
            meta["ocr_turned_pages"] = ",".join(turned)  # page:degrees turned clockwise
        suspects = [ocr_suspect(page) for page in read]
        if any(suspects):
            meta["suspect_pages"] = ",".join(str(i) for i, s in enumerate(suspects, 1) if s)
        return ExtractionResult(
            type="image",
            pages=make_pages(texts, ocr_flags=[True] * len(texts), suspects=suspects),
            metadata=frozen(meta),
        )


def frame_image(path: Path, number: int):  # -> PIL.Image.Image
    """Frame ``number`` (1-based) of the image at ``path``, upright as the extractor OCRs it;
    ExtractionError ``corrupt`` when Pillow cannot read it or it has no such frame."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.seek(number - 1)
            return _upright(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ExtractionError("corrupt", detail=f"Pillow: {exc}") from exc


def _upright(frame):
    """A copy of ``frame`` turned as its EXIF Orientation tag says (unchanged without one)."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(frame)
    except Exception:  # a damaged EXIF block: the pixels are still good, read them as stored
        return frame.copy()
