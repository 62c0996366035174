"""Plain text, Markdown, CSV: decode (UTF-8, then CP949, then charset-normalizer) and page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._text import frozen, make_pages, paginate
from .base import ExtractionError, ExtractionResult

__all__ = ["TextExtractor", "decode_text"]


def decode_text(data: bytes) -> tuple[str, str]:
    """Decoded text and the encoding used. Korean files are mostly UTF-8 or CP949."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
    for encoding in ("utf-8", "cp949"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ExtractionError(
            "corrupt",
            "The text file's character encoding could not be recognized. Save it as UTF-8.",
            "텍스트 파일의 문자 인코딩을 알 수 없습니다. UTF-8로 저장해 다시 올려 주세요.",
        )
    return str(best), best.encoding


@dataclass(frozen=True)
class TextExtractor:
    name: str = "text"
    types: frozenset[str] = frozenset({"text"})

    def extract(self, path: Path) -> ExtractionResult:
        text, encoding = decode_text(path.read_bytes())
        pages = paginate(text)
        meta = {"encoding": encoding, "page_count": str(len(pages))}
        if "\f" not in text:
            meta["page_estimate"] = "true"
        return ExtractionResult(type="text", pages=make_pages(pages), metadata=frozen(meta))
