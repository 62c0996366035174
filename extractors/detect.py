"""Content sniffing: what a file really is, whatever its name says."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .base import ExtractionError
from .text import decode_text, utf16_without_bom

__all__ = ["EXTENSION_TYPES", "detect_type", "type_from_name"]

_SNIFF_BYTES = 64 * 1024

EXTENSION_TYPES: dict[str, str] = {
    ".pdf": "pdf",
    ".hwp": "hwp",
    ".hwpx": "hwpx",
    ".docx": "docx",
    ".docm": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".csv": "text",
    ".tsv": "text",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
    ".gif": "image",
    ".zip": "zip",
    ".doc": "doc",
    ".xls": "xls",
    ".ppt": "ppt",
    ".pptx": "pptx",
    ".htm": "html",
    ".html": "html",
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HWP3_MAGIC = b"HWP Document File V3"
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"BM", "image"),
)


def type_from_name(path: Path) -> str | None:
    """The type a file's extension claims, or None for an unknown extension."""
    return EXTENSION_TYPES.get(path.suffix.lower())


def detect_type(path: Path) -> str:
    """Detect a file's type from its bytes (magic numbers, zip members, OLE streams).

    Returns one of the registered types (HTML and Excel 2003 XML, the usual "Excel
    download" named ``.xls``, as ``"html"`` and ``"spreadsheetml"``), ``"zip"`` for a plain
    archive, a few recognized-but-unsupported kinds (``"doc"``, ``"ppt"``, ``"hwp3"``,
    ``"ole"``), or ``"unknown"``. Never raises for unreadable content.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return "unknown"
    if not head:
        return "unknown"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_OLE_MAGIC):
        return _detect_ole(path)
    if head.startswith(_HWP3_MAGIC):
        return "hwp3"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _detect_zip(path, head)
    if head.startswith(b"BM") and len(head) > 14 and head[6:10] != b"\x00\x00\x00\x00":
        pass  # "BM" followed by nonzero reserved bytes: text that happens to start with BM
    else:
        for magic, kind in _IMAGE_MAGIC:
            if head.startswith(magic):
                return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    markup = _detect_markup(head)
    if markup is not None:
        return markup
    if _looks_like_text(head):
        return "text"
    return "unknown"


def _detect_ole(path: Path) -> str:
    try:
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("FileHeader"):
                return "hwp"
            if ole.exists("WordDocument"):
                return "doc"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls"
            if ole.exists("PowerPoint Document"):
                return "ppt"
            if ole.exists("EncryptedPackage"):
                return "ooxml_encrypted"
    except Exception:  # a damaged OLE file: look for the signature or stream names in the raw bytes
        with open(path, "rb") as fh:
            data = fh.read(4 * 1024 * 1024)
        if b"HWP Document File" in data or "FileHeader".encode("utf-16-le") in data:
            return "hwp"
        for stream, kind in _OLE_STREAMS:
            if stream.encode("utf-16-le") + b"\x00\x00" in data:
                return kind  # its extractor reports it as damaged, or refuses the format
    return "ole"


_OLE_STREAMS = (
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)


_ZIP_HINTS: tuple[tuple[bytes, str], ...] = (
    (b"application/hwp+zip", "hwpx"),
    (b"Contents/section", "hwpx"),
    (b"Contents/content.hpf", "hwpx"),
    (b"word/document", "docx"),
    (b"xl/workbook", "xlsx"),
    (b"ppt/presentation", "pptx"),
)


def _detect_zip(path: Path, head: bytes) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100].strip()
                if mime == b"application/hwp+zip" or mime.startswith(b"application/haansoft"):
                    return "hwpx"
            if any(re.fullmatch(r"Contents/section\d+\.xml", n) for n in names):
                return "hwpx"
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "ppt/presentation.xml" in names:
                return "pptx"
            return "zip"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, EOFError):
        pass
    # A truncated or damaged archive: the local file headers near the start still name
    # the members, which is enough to hand the file to the right extractor (that then
    # reports it as corrupt) instead of calling it unknown.
    for hint, kind in _ZIP_HINTS:
        if hint in head:
            return kind
    return "zip"


def _looks_like_text(head: bytes) -> bool:
    """True for bytes that decode as text (:func:`extractors.text.decode_text`'s rule, the
    forgiving one included) with hardly any control characters."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head[2 : len(head) & ~1].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be")
        except UnicodeDecodeError:
            return False
        return _mostly_printable(text)
    if b"\x00" in head:
        encoding = utf16_without_bom(head)
        if encoding is None:
            return False
        return _mostly_printable(head[: len(head) & ~1].decode(encoding, "replace"))
    if len(head) == _SNIFF_BYTES:
        # the window may end inside a multi-byte character: drop its bytes (all >= 0x80)
        keep = len(head)
        while keep > len(head) - 3 and head[keep - 1] >= 0x80:
            keep -= 1
        head = head[:keep]
    try:
        return _mostly_printable(decode_text(head).text)
    except ExtractionError:
        return False


def _mostly_printable(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    return bad / len(text) < 0.01


_MARKUP_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")
_SPREADSHEETML = re.compile(
    rb"urn:schemas-microsoft-com:office:spreadsheet|progid=.Excel\.Sheet", re.I
)
_HTML_TAGS = re.compile(rb"<(?:!doctype\s+html|html|head|body|table|meta)\b", re.I)


def _detect_markup(head: bytes) -> str | None:
    """Excel 2003 XML or HTML (what web systems' "Excel downloads" are): markup from the
    first byte, naming the SpreadsheetML namespace or an HTML document/table tag."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: look at it as ASCII
        head = head[2:].replace(b"\x00", b"")
    if not _MARKUP_START.match(head):
        return None
    if b"<Workbook" in head and _SPREADSHEETML.search(head):
        return "spreadsheetml"
    if _HTML_TAGS.search(head[:8192]):
        return "html"
    return None
