"""HWP 5.x and HWPX (Hangul word processor): paragraphs and tables in document order.

HWP 5 files are converted to HWPX parts by python-hwpx (``hwpx.hwp5.package.convert``),
so both formats go through one section-XML walker and give the same text. If that
conversion fails on a file that is not protected, a plain record walk of the
``BodyText`` streams (olefile) salvages the paragraph text.

Hangul files do not store page numbers. We estimate them from the layout cache the
editor saves with each paragraph (``linesegarray``: the vertical position restarts at
the top of every page), from explicit page breaks and section starts; where no layout
cache exists we cut at ~1,800 characters. ``page_estimate`` is always "true".

A picture big enough to hold text (_pictures) is not read: its page is marked
``suspect`` "images" and counted in ``unread_images``.

Tracked changes: deleted text (between ``hp:deleteBegin`` and ``hp:deleteEnd``) is left
out, inserted text kept. Headers (머리말) are read where a section defines them, footers
(꼬리말) at the section's end, each text once per document.

Tables are written one line per row, cells joined by " | " (a merged cell once). Each
table (nested ones and those in text boxes included) is also a ``Table`` "표 N" on the
page where it starts: cells placed by their ``cellAddr`` on the table's grid, a merged
cell (``cellSpan``) repeated over its area (see ``base.Table``). The record walk that
salvages a file the converter refuses gives text only, no tables.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from ._pictures import HWPUNIT_PER_INCH, PICTURE_MARK, flag_pages, may_hold_text, strip_marks
from ._text import frozen, make_pages, normalize, paginate, table_pages
from ._zipread import read_member
from .base import MAX_TABLE_CELLS, ExtractionError, ExtractionResult, Table

__all__ = ["HwpExtractor", "hwpx_parts_text"]

_SECTION = re.compile(r"^Contents/section(\d+)\.xml$", re.IGNORECASE)
_SKIP_CONTROLS = {
    "header",
    "footer",
    "fieldBegin",
    "fieldEnd",
    "bookmark",
    "pageNum",
    "autoNum",
    "newNum",
}
_NOTE_CONTROLS = {"footNote", "endNote"}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass(frozen=True)
class HwpExtractor:
    name: str = "hwp"
    types: frozenset[str] = frozenset({"hwp", "hwpx"})

    def extract(self, path: Path) -> ExtractionResult:
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head.startswith(b"PK"):
            return _extract_hwpx(path)
        return _extract_hwp5(path)


# --------------------------------------------------------------------------- HWPX


def _extract_hwpx(path: Path) -> ExtractionResult:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExtractionError("corrupt", detail=f"zip: {exc}") from exc
    with zf:
        names = zf.namelist()
        sections = sorted((int(m.group(1)), n) for n in names if (m := _SECTION.match(n)))
        if not sections:
            raise ExtractionError(
                "corrupt",
                "The HWPX package has no body sections (Contents/sectionN.xml).",
                "HWPX 파일에 본문(Contents/sectionN.xml)이 없습니다.",
            )
        parts = {name: read_member(zf, name) for _, name in sections}
        if "Contents/content.hpf" in names:
            parts["Contents/content.hpf"] = read_member(
                zf, "Contents/content.hpf", limit=16 * 1024 * 1024
            )
    return _result("hwpx", parts, {})


@dataclass
class _Tables:
    """What the walk gathers besides lines: tables met so far (``count`` to number them,
    ``found`` those with rows), the footers to write at the section's end, and the header
    and footer texts written already (each once per document, as the DOCX walker does)."""

    count: int = 0
    found: list[tuple[int, str, Table]] = field(default_factory=list)  # number, first line
    footers: list[str] = field(default_factory=list)
    furniture: set[str] = field(default_factory=set)


def hwpx_parts_text(parts: Mapping[str, bytes]) -> list[str]:
    """Page texts (estimated pages) from HWPX parts: ``Contents/sectionN.xml`` -> bytes."""
    return [strip_marks(text) for text in _walk_parts(parts)[0]]


def _walk_parts(parts: Mapping[str, bytes]) -> tuple[list[str], tuple[Table, ...]]:
    """Page texts and tables from HWPX parts."""
    tables = _Tables()
    sections = sorted((int(m.group(1)), n) for n in parts if (m := _SECTION.match(n)))
    pages: list[list[str]] = [[]]
    has_layout = False
    for order, (_, name) in enumerate(sections):
        try:
            root = ET.fromstring(parts[name])
        except ET.ParseError as exc:
            raise ExtractionError("corrupt", detail=f"{name}: {exc}") from exc
        if b"deleteBegin" in parts[name]:
            _drop_deleted(root)
        if order and any(pages[-1]):
            pages.append([])  # a new section starts on a new page
        previous_pos = -1
        for para in root:
            if _local(para.tag) != "p":
                continue
            positions = [
                int(seg.get("vertpos", "0") or 0)
                for arr in para
                if _local(arr.tag) == "linesegarray"
                for seg in arr
                if seg.get("vertpos", "").lstrip("-").isdigit()
            ]
            new_page = para.get("pageBreak") == "1"
            if positions:
                has_layout = True
                if previous_pos >= 0 and positions[0] < previous_pos:
                    new_page = True
                previous_pos = positions[-1]
            if new_page and any(pages[-1]):
                pages.append([])
            pages[-1].extend(_paragraph_lines(para, tables))
        pages[-1].extend(tables.footers)  # a section's footers at its end
        tables.footers.clear()
    texts = ["\n".join(lines) for lines in pages]
    if not has_layout:  # no layout cache: fall back to characters per page
        texts = [chunk for text in texts for chunk in paginate(text)]
    found = sorted(tables.found, key=lambda item: item[0])
    starts = table_pages(texts, [line for _, line, _ in found])
    return texts, tuple(
        Table(page=page, name=t.name, rows=t.rows, merged=t.merged, kind="table")
        for (_, _, t), page in zip(found, starts, strict=True)
    )


def _paragraph_lines(para: ET.Element, tables: _Tables | None = None) -> list[str]:
    """Lines of one paragraph: its text, then tables and text boxes where they sit."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            lines.append("".join(current))
            current.clear()

    for run in para:
        if _local(run.tag) != "run":
            continue
        for child in run:
            kind = _local(child.tag)
            if kind == "t":
                current.append(_t_text(child))
            elif kind == "tbl":
                flush()
                lines.extend(_table_lines(child, tables))
            elif kind == "ctrl":
                for control in child:
                    name = _local(control.tag)
                    if name in _NOTE_CONTROLS:
                        flush()
                        lines.extend(_sublist_lines(control))
                    elif name in ("header", "footer"):
                        flush()
                        _furniture(control, name, lines, tables)
            elif kind in ("header", "footer"):  # some writers leave out the hp:ctrl
                flush()
                _furniture(child, kind, lines, tables)
            elif kind in ("secPr", "linesegarray") or kind in _SKIP_CONTROLS:
                continue
            else:  # drawing objects (rect, container, pic caption...) with text boxes
                current.append(PICTURE_MARK * _pictures_in(child))
                inner = _sublist_lines(child, tables)
                if inner:
                    flush()
                    lines.extend(inner)
    flush()
    return lines


def _pictures_in(element: ET.Element) -> int:
    """Pictures big enough to hold text (``hp:pic`` sized by ``hp:sz``, else ``hp:curSz``,
    in HWPUNIT) that ``element`` is or groups (``hp:container``)."""
    kind = _local(element.tag)
    if kind == "container":
        return sum(_pictures_in(child) for child in element)
    if kind != "pic":
        return 0
    size = next((el for el in element if _local(el.tag) == "sz"), None)
    if size is None:
        size = next((el for el in element if _local(el.tag) == "curSz"), None)
    try:
        width = int(size.get("width", "0")) if size is not None else 0
        height = int(size.get("height", "0")) if size is not None else 0
    except ValueError:
        return 0
    return int(may_hold_text(width / HWPUNIT_PER_INCH, height / HWPUNIT_PER_INCH))


def _furniture(control: ET.Element, kind: str, lines: list[str], tables: _Tables | None) -> None:
    """A header (머리말) where it is defined (a section's start), a footer (꼬리말) at its
    section's end; each text once per document (odd, even and both-page variants repeat
    it), lines without a letter or digit (a page number's dashes) left out."""
    text_lines = [  # a header's logo is not a picture to read
        strip_marks(line) for line in _sublist_lines(control) if any(c.isalnum() for c in line)
    ]
    key = "\n".join(text_lines)
    if not key or (tables is not None and key in tables.furniture):
        return
    if tables is None:  # inside a note: where it is
        lines.extend(text_lines)
        return
    tables.furniture.add(key)
    (lines if kind == "header" else tables.footers).extend(text_lines)


_TRACKED_ID = ("Id", "id", "TcId")
_INLINE_MARKS = frozenset({"tab", "lineBreak", "nbSpace", "fwSpace", "hyphen"})


def _drop_deleted(root: ET.Element) -> None:
    """Remove the text of tracked deletions (between ``hp:deleteBegin`` and the
    ``hp:deleteEnd`` with the same Id, inside ``hp:t`` or across runs and paragraphs) from
    the section tree; inserted text (``hp:insertBegin``/``insertEnd``) stays. A begin
    marker without a matching end removes nothing, so that a damaged file loses no text."""

    def mark_id(el: ET.Element) -> str:
        return next((el.get(a) for a in _TRACKED_ID if el.get(a)), "") or ""

    ends = {mark_id(el) for el in root.iter() if _local(el.tag) == "deleteEnd"}
    open_ids: set[str] = set()

    def visit(element: ET.Element) -> None:
        for child in list(element):
            kind = _local(child.tag)
            if kind == "deleteBegin":
                if mark_id(child) in ends:
                    open_ids.add(mark_id(child))
            elif kind == "deleteEnd":
                open_ids.discard(mark_id(child))
            elif open_ids and kind in _INLINE_MARKS:
                element.remove(child)  # a deleted tab or line break; its tail is deleted too
                continue
            else:
                if open_ids:
                    child.text = None
                visit(child)
            if open_ids:
                child.tail = None

    visit(root)


def _t_text(t: ET.Element) -> str:
    parts = [t.text or ""]
    for child in t:
        kind = _local(child.tag)
        if kind == "tab":
            parts.append("\t")
        elif kind == "lineBreak":
            parts.append("\n")
        elif kind in ("nbSpace", "fwSpace"):
            parts.append(" ")
        elif kind == "hyphen":
            parts.append("-")
        parts.append(child.tail or "")
    return "".join(parts)


def _sublist_lines(element: ET.Element, tables: _Tables | None = None) -> list[str]:
    """Paragraph lines inside the nearest ``subList`` descendants of ``element``."""
    lines: list[str] = []
    stack = list(element)[::-1]
    while stack:
        node = stack.pop()
        kind = _local(node.tag)
        if kind == "subList":
            for para in node:
                if _local(para.tag) == "p":
                    lines.extend(_paragraph_lines(para, tables))
        elif kind != "tbl":
            stack.extend(list(node)[::-1])
        else:
            lines.extend(_table_lines(node, tables))
    return lines


def _table_lines(tbl: ET.Element, tables: _Tables | None = None) -> list[str]:
    """One text line per table row, cells joined by " | " (merged cells appear once); with
    ``tables``, the table is also added to it as rows of cells."""
    number = 0
    if tables is not None:
        tables.count += 1
        number = tables.count
    lines: list[str] = []
    first_line = ""
    placed: list[tuple[int, int, int, int, str]] = []  # row, column, rows, columns, text
    row_index = -1
    for child in tbl:
        kind = _local(child.tag)
        if kind == "caption":
            lines.extend(_sublist_lines(child, tables))
        elif kind == "tr":
            row_index += 1
            column = 0
            cells: list[str] = []
            for tc in child:
                if _local(tc.tag) != "tc":
                    continue
                text = " ".join(" ".join(_sublist_lines(tc, tables)).split())
                cells.append(text)
                row, col, rows, cols = _cell_place(tc, row_index, column)
                placed.append((row, col, rows, cols, text))
                column = col + cols
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                lines.append(" | ".join(cells))
                first_line = first_line or lines[-1]
    if tables is not None and first_line:
        table = _grid(f"표 {number}", placed)
        if table is not None:
            tables.found.append((number, first_line, table))
    return lines


_MAX_SPAN = 1000


def _cell_place(tc: ET.Element, row: int, column: int) -> tuple[int, int, int, int]:
    """A cell's row, column, row span and column span (``cellAddr``/``cellSpan``); where the
    file gives no address, the row it is in and the column after the previous cell."""
    address = span = None
    for el in tc:
        kind = _local(el.tag)
        if kind == "cellAddr":
            address = el
        elif kind == "cellSpan":
            span = el

    def number(el: ET.Element | None, name: str, default: int) -> int:
        raw = (el.get(name) or "").strip() if el is not None else ""
        return min(int(raw), _MAX_SPAN * 10) if raw.isdigit() else default

    return (
        number(address, "rowAddr", row),
        number(address, "colAddr", column),
        max(1, min(number(span, "rowSpan", 1), _MAX_SPAN)),
        max(1, min(number(span, "colSpan", 1), _MAX_SPAN)),
    )


def _grid(name: str, placed: list[tuple[int, int, int, int, str]]) -> Table | None:
    """The table's cells on its grid, a merged cell repeated over its area (page set later);
    None for a grid over base.MAX_TABLE_CELLS (odd addresses or spans)."""
    height = max((row + rows for row, _, rows, _, _ in placed), default=0)
    width = max((col + cols for _, col, _, cols, _ in placed), default=0)
    if height * width > MAX_TABLE_CELLS:
        return None
    grid = [[""] * width for _ in range(height)]
    merged: list[tuple[int, int, int, int]] = []
    for row, col, rows, cols, text in placed:
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                grid[r][c] = strip_marks(text)
        if rows > 1 or cols > 1:
            merged.append((row, col, row + rows - 1, col + cols - 1))
    return Table(
        page=0, name=name, rows=tuple(tuple(r) for r in grid), merged=tuple(sorted(merged))
    )


def _hpf_metadata(data: bytes | None) -> dict[str, str]:
    if not data:
        return {}
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return {}
    meta: dict[str, str] = {}
    for el in root.iter():
        kind = _local(el.tag)
        if kind == "title" and (el.text or "").strip():
            meta["title"] = el.text.strip()
        elif kind == "meta" and (el.text or "").strip():
            name = el.get("name", "")
            if name == "creator":
                meta["author"] = el.text.strip()
            elif name in ("subject", "keyword", "description"):
                meta[name] = el.text.strip()
            elif name == "CreatedDate":
                meta["created"] = el.text.strip()
            elif name == "ModifiedDate":
                meta["modified"] = el.text.strip()
    return meta


def _result(kind: str, parts: Mapping[str, bytes], extra: dict[str, str]) -> ExtractionResult:
    texts, tables = _walk_parts(parts)
    texts, suspects, pictures = flag_pages(texts)
    meta = _hpf_metadata(parts.get("Contents/content.hpf"))
    meta.update(extra)
    meta.update(pictures)
    meta["page_count"] = str(len(texts))
    meta["page_estimate"] = "true"
    meta["sections"] = str(sum(1 for n in parts if _SECTION.match(n)))
    return ExtractionResult(
        type=kind, pages=make_pages(texts, suspects=suspects), metadata=frozen(meta), tables=tables
    )


# --------------------------------------------------------------------------- HWP 5

_PROTECTION_CODES = {
    "hwp5-password": "encrypted",
    "hwp5-drm": "encrypted",
    "hwp5-distribution": "distribution_only",
}


def _extract_hwp5(path: Path) -> ExtractionResult:
    from hwpx.hwp5.errors import Hwp5Error
    from hwpx.hwp5.package import convert

    data = path.read_bytes()
    flags = _header_flags(data)
    if flags is not None:
        _refuse_protected(flags)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # conversion notes about layout we do not need
            converted = convert(data)
    except Hwp5Error as exc:
        code = _PROTECTION_CODES.get(getattr(exc, "code", ""))
        if code:
            raise ExtractionError(code, detail=str(exc)) from exc
        return _salvage_records(data, f"python-hwpx: {exc}")
    except (MemoryError, RecursionError) as exc:
        raise ExtractionError("corrupt", detail=f"python-hwpx: {type(exc).__name__}") from exc
    except Exception as exc:  # an unexpected failure in the converter: try the plain walk
        return _salvage_records(data, f"python-hwpx: {type(exc).__name__}: {exc}")
    return _result("hwp", converted.files, {})


def _refuse_protected(flags: int) -> None:
    if flags & 0b10:
        raise ExtractionError(
            "encrypted",
            "The HWP document is password-protected. Remove the password in Hangul and upload it again.",
            "암호가 설정된 한글 문서입니다. 한글에서 암호를 해제한 뒤 다시 올려 주세요.",
        )
    if flags & 0b100:
        raise ExtractionError(
            "distribution_only",
            "This HWP file is a distribution-only (배포용) document: its body is encrypted and "
            "only a decoy notice is readable. Ask the applicant for the ordinary HWP/HWPX or a PDF.",
            "배포용 한글 문서입니다. 본문이 암호화되어 있어 읽을 수 없습니다. "
            "일반 HWP/HWPX 파일이나 PDF로 다시 받아 주세요.",
        )
    if flags & (1 << 4 | 1 << 8 | 1 << 10):
        raise ExtractionError(
            "encrypted",
            "The HWP document is DRM- or certificate-protected. Upload an unprotected copy.",
            "DRM 또는 인증서로 보호된 한글 문서입니다. 보호를 해제한 사본을 올려 주세요.",
        )


def _header_flags(data: bytes) -> int | None:
    """The FileHeader property flags, read with olefile (None if unreadable)."""
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("FileHeader"):
                return None
            header = ole.openstream("FileHeader").read(256)
    except Exception:
        return None
    if len(header) < 40 or not header.startswith(b"HWP Document File"):
        return None
    return struct.unpack_from("<I", header, 36)[0]


_PARA_HEADER = 66
_PARA_TEXT = 67
# Control characters that occupy 8 UTF-16 units (an inline or extended control).
_OBJECT_CONTROL = 11  # an extended control: a table or a drawing object (text box, picture)
_WIDE_CONTROLS = frozenset(
    {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}
)
MAX_SECTION_BYTES = 256 * 1024 * 1024


def _salvage_records(data: bytes, reason: str) -> ExtractionResult:
    """Walk BodyText/SectionN records and keep PARA_TEXT (tag 67), in record order."""
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            header = ole.openstream("FileHeader").read(256)
            flags = struct.unpack_from("<I", header, 36)[0]
            _refuse_protected(flags)
            compressed = bool(flags & 1)
            names = sorted(
                (int(entry[1][len("Section") :]), "/".join(entry))
                for entry in ole.listdir()
                if len(entry) == 2
                and entry[0] == "BodyText"
                and re.fullmatch(r"Section\d+", entry[1])
            )
            streams = [ole.openstream(name).read() for _, name in names]
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError("corrupt", detail=f"{reason}; olefile: {exc}") from exc
    texts: list[str] = []
    for raw in streams:
        if compressed:
            inflater = zlib.decompressobj(-15)
            try:
                raw = inflater.decompress(raw, MAX_SECTION_BYTES)
            except zlib.error:
                continue
        texts.append("\n".join(_para_texts(raw)))
    pages = [chunk for text in texts for chunk in paginate(text)]
    if not any(normalize(p) for p in pages):
        raise ExtractionError("corrupt", detail=reason)
    meta = {"page_count": str(len(pages)), "page_estimate": "true", "repaired": "record-walk"}
    return ExtractionResult(type="hwp", pages=make_pages(pages), metadata=frozen(meta))


def _para_texts(stream: bytes) -> list[str]:
    out: list[str] = []
    pos = 0
    end = len(stream)
    while pos + 4 <= end:
        (head,) = struct.unpack_from("<I", stream, pos)
        pos += 4
        tag, size = head & 0x3FF, head >> 20
        if size == 0xFFF:
            if pos + 4 > end:
                break
            (size,) = struct.unpack_from("<I", stream, pos)
            pos += 4
        payload = stream[pos : pos + size]
        pos += size
        if tag == _PARA_TEXT:
            out.append(_decode_para_text(payload))
    return out


def _decode_para_text(payload: bytes) -> str:
    units = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    chars: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if unit < 32:
            if unit in _WIDE_CONTROLS:
                if unit == 9:
                    chars.append("\t")
                elif unit == _OBJECT_CONTROL:
                    chars.append("\x00")  # a table or drawing (text box) sits here
                i += 8
                continue
            if unit in (10, 13):
                chars.append("\n")
            i += 1
            continue
        chars.append(chr(unit))
        i += 1
    text = "".join(chars).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    # The object's own text comes in later records: the words before and after it are
    # parted by a line break (as the HWPX walker does), not glued together.
    pieces = [piece for piece in text.split("\x00") if piece]
    return "\n".join(pieces) if pieces else ""
