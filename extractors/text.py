"""Plain text, Markdown, CSV: decode (UTF-8, then CP949, forgiving, then charset-normalizer)
and page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._text import frozen, make_pages, paginate
from .base import MAX_TABLE_CELLS, ExtractionError, ExtractionResult, Table

__all__ = ["DecodedText", "TextExtractor", "csv_tables", "decode_text", "utf16_without_bom"]

# Forgiving decoding: a file that is UTF-8 or CP949 but for a few bytes (a symbol pasted
# from a CP949 program into a UTF-8 CSV, a stray Latin-1 byte) is decoded with those bytes
# replaced, when the undecodable bytes are at most this share of the file, or at most
# TOLERATED_MIN_BYTES in a small file. Measured with the wrong one of the two encodings
# (the one with fewer errors; extractors' tests and the statutes of ../shared/corpus, the
# first KorQuAD paragraphs, made-up French, Japanese and Chinese lines, random bytes),
# the share is 19.7-25 % for Korean text in the other encoding, 3.9-8.9 % for Latin-1,
# CP1252, EUC-JP and Shift-JIS, 17 % for random bytes, and 0.5 % for GB2312 Chinese read
# as CP949, the closest: 0.1 % stays five times below it.
TOLERATED_SHARE = 0.001
# One stray character is 2 (CP949) to 4 (UTF-8) bytes: without this floor a file of a few
# KB could not hold a handful (three CP949 symbols pasted into a 3.6 KB UTF-8 CSV are 6
# bytes, 0.17 %; found by a tester). 16 bytes is up to 8 pasted symbols; the other guard
# (more non-ASCII characters decoded than bad runs) keeps text in another encoding out.
TOLERATED_MIN_BYTES = 16
# charset-normalizer's "chaos" (share of odd character sequences) above which its guess
# is not text but noise decoded as text.
MAX_CHAOS = 0.1


@dataclass(frozen=True)
class DecodedText:
    """A file's text, the encoding it was read with, and ``replaced``: the number of runs
    of undecodable bytes that forgiving decoding replaced with U+FFFD (0 when none)."""

    text: str
    encoding: str
    replaced: int = 0


def decode_text(data: bytes) -> DecodedText:
    """Decode a text file's bytes; Korean files are mostly UTF-8 or CP949.

    In order: a BOM (UTF-8, UTF-16); UTF-16 without a BOM (utf16_without_bom); strict UTF-8; strict CP949; forgiving: of UTF-8 and
    CP949 the one with the fewer undecodable bytes (UTF-8 on a tie), when they are at most
    :data:`TOLERATED_SHARE` of the bytes (at least :data:`TOLERATED_MIN_BYTES`) and the
    encoding decoded more non-ASCII characters than it left runs of bad bytes (else the
    file is not in that encoding but, say, Latin-1 text), each run replaced by one U+FFFD
    and counted in ``replaced``; charset-normalizer's guess when its chaos is at most
    :data:`MAX_CHAOS`. Raises ExtractionError ("corrupt") when none of these fits.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return DecodedText(data[3:].decode("utf-8", "replace"), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return DecodedText(data.decode("utf-16", "replace"), "utf-16")
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        return DecodedText(data.decode(utf16), utf16)
    for encoding in ("utf-8", "cp949"):
        try:
            return DecodedText(data.decode(encoding), encoding)
        except UnicodeDecodeError:
            continue
    budget = max(TOLERATED_MIN_BYTES, int(len(data) * TOLERATED_SHARE))
    best: DecodedText | None = None
    best_bad = budget + 1
    for encoding in ("utf-8", "cp949"):
        found = _decode_replacing(data, encoding, min(budget, best_bad - 1))
        if found is None:
            continue
        text, runs, bad = found
        non_ascii = len(text) - len(text.encode("ascii", "ignore")) - runs
        if non_ascii > runs:
            best, best_bad = DecodedText(text, encoding, runs), bad
    if best is not None:
        return best
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    if guess is None or guess.chaos > MAX_CHAOS:
        raise ExtractionError(
            "corrupt",
            "The text file's character encoding could not be recognized. Save it as UTF-8.",
            "텍스트 파일의 문자 인코딩을 알 수 없습니다. UTF-8로 저장해 다시 올려 주세요.",
        )
    return DecodedText(str(guess), guess.encoding)


UTF16_NUL_SHARE = 0.1
"""Share of 2-byte units whose high byte is NUL from which BOM-less bytes are UTF-16: ASCII
characters (digits, tabs, line breaks, Latin letters) are such units; a Korean TSV row has
at least its tabs and line break. UTF-8 and CP949 text hold no NUL at all."""


def utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" for BOM-less UTF-16 text (Excel's "Unicode text" and some
    exports drop the BOM), else None: at least UTF16_NUL_SHARE of the units have a NUL high
    byte and at most a quarter as many a NUL low byte, the whole decodes strictly, and what it decodes to holds
    no control characters but tabs and line breaks."""
    size = len(data) & ~1
    if size < 4 or b"\x00" not in data[:4096]:
        return None
    units = size // 2
    for encoding, high, low in (("utf-16-le", 1, 0), ("utf-16-be", 0, 1)):
        nul_high = data[high:size:2].count(0)
        # a NUL low byte is a character U+xx00: a few Hangul syllables (가, 대), rarely
        if nul_high < units * UTF16_NUL_SHARE or data[low:size:2].count(0) * 4 > nul_high:
            continue
        try:
            text = data[:size].decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
            return encoding
    return None


def _decode_replacing(data: bytes, encoding: str, budget: int) -> tuple[str, int, int] | None:
    """``data`` decoded with each run of undecodable bytes replaced by one U+FFFD, as (text,
    runs, bad bytes); None as soon as more than ``budget`` bytes are bad."""
    view = memoryview(data)
    parts: list[str] = []
    pos = runs = bad = 0
    run_end = -1
    while True:
        try:
            parts.append(str(view[pos:], encoding))
            return "".join(parts), runs, bad
        except UnicodeDecodeError as exc:
            start, end = pos + exc.start, pos + exc.end
        parts.append(str(view[pos:start], encoding))
        bad += end - start
        if bad > budget:
            return None
        if start != run_end:  # a new run; bytes right after the last one extend it
            parts.append("\ufffd")
            runs += 1
        run_end = pos = end


@dataclass(frozen=True)
class TextExtractor:
    name: str = "text"
    types: frozenset[str] = frozenset({"text"})

    def extract(self, path: Path) -> ExtractionResult:
        """Estimated pages of a text file's text; a CSV or tab-separated file (``.csv``,
        ``.tsv``, or a ``.txt`` whose lines all hold tabs: Excel's "Unicode text") is also a
        Table, and in its page text a tab between cells reads `` | `` (normalizing would
        make it a space, and cells would run together). Errors: decode_text's."""
        decoded = decode_text(path.read_bytes())
        tables = csv_tables(decoded.text, path)
        text = decoded.text
        if tables and _delimiter(text, path) == "\t":
            text = text.replace("\t", " | ")
        pages = paginate(text)
        meta = {"encoding": decoded.encoding, "page_count": str(len(pages))}
        if decoded.replaced:
            meta["decode_errors"] = str(decoded.replaced)
        if "\f" not in decoded.text:
            meta["page_estimate"] = "true"
        return ExtractionResult(
            type="text",
            pages=make_pages(pages),
            metadata=frozen(meta),
            tables=tables,
        )


def csv_tables(text: str, path: Path) -> tuple[Table, ...]:
    """A ``.csv`` (or ``.tsv``) file's rows as one Table named after the file's stem, as Excel
    names its sheet; row numbers are the file's records. The delimiter is sniffed among
    ``, ; | tab`` (a ``.tsv``, or a ``.txt`` whose every line holds a tab, is tab-separated); cells are whitespace-joined like sheet cells.
    Other text files, and files over base.MAX_TABLE_CELLS, give none."""
    import csv
    import io

    delimiter = _delimiter(text, path)
    if delimiter is None:
        return ()
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


def _delimiter(text: str, path: Path) -> str | None:
    """The cell delimiter of a CSV/TSV file, None for other text files (see csv_tables)."""
    import csv

    suffix = path.suffix.lower()
    if suffix == ".tsv":
        return "\t"
    if suffix == ".txt":
        lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
        return "\t" if len(lines) >= 2 and all("\t" in line for line in lines) else None
    if suffix != ".csv":
        return None
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;|\t").delimiter
    except csv.Error:
        return ","
