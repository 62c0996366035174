"""Plain text, Markdown, CSV: decode (UTF-8, then CP949, then charset-normalizer) and page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._text import frozen, make_pages, paginate
from .base import MAX_TABLE_CELLS, ExtractionError, ExtractionResult, Table

__all__ = ["TextExtractor", "csv_tables", "decode_text"]


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
        return ExtractionResult(
            type="text",
            pages=make_pages(pages),
            metadata=frozen(meta),
            tables=csv_tables(text, path),
        )


def csv_tables(text: str, path: Path) -> tuple[Table, ...]:
    """A ``.csv`` (or ``.tsv``) file's rows as one Table named after the file's stem, as Excel
    names its sheet; row numbers are the file's records. The delimiter is sniffed among
    ``, ; | tab`` (a ``.tsv`` is tab-separated); cells are whitespace-joined like sheet cells.
    Other text files, and files over base.MAX_TABLE_CELLS, give none."""
    import csv
    import io

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv"):
        return ()
    sample = text[:65536]
    delimiter = "\t"
    if suffix == ".csv":
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;|\t").delimiter
        except csv.Error:
            delimiter = ","
    rows: list[list[str]] = []
    cells = 0
    try:
        for record in csv.reader(io.StringIO(text.replace("\f", "\n")), delimiter=delimiter):
            rows.append([" ".join(cell.split()) for cell in record])
            cells += len(record)
            if cells > MAX_TABLE_CELLS:
                return ()
    except csv.Error:
        return ()
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((len(row) for row in rows), default=0)
    if not width:
        return ()
    grid = tuple(tuple(row + [""] * (width - len(row))) for row in rows)
    return (Table(page=1, name=path.stem, rows=grid, kind="sheet"),)
