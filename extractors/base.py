"""The extractor contract: pages of text, one error type, one Protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, runtime_checkable

__all__ = [
    "ERROR_CODES",
    "SUSPECT_REASONS",
    "ExtractionError",
    "ExtractionResult",
    "Extractor",
    "Page",
    "Table",
]

# Page.suspect code -> what it means (English, for logs and the command line; the web UI
# has its own Korean and English wording in templates/documents/_suspect.html).
SUSPECT_REASONS: dict[str, str] = {
    "garbled": "the text layer decodes to meaningless symbols (a font without a usable "
    "character map); only its readable lines are kept",
    "scan": "the printed content is an image (a scan) and was not OCR'd",
    "images": "the page holds pictures (pasted images) whose text, if any, was not read",
    "ocr_low": "OCR read this page with low confidence (a blurred, faint or noisy image): "
    "its text may be missing or wrong",
    "vector": "the text is drawn as outlines (shapes), not stored as text, and was not OCR'd",
}


@dataclass(frozen=True)
class Page:
    """One page (or sheet, or estimated page) of normalized text.

    ``ocr``: the text is (partly) OCR output. ``suspect``: "" when the text is what the page
    prints as far as we can tell, else a SUSPECT_REASONS code saying why it is incomplete.
    """

    number: int
    text: str
    ocr: bool = False
    suspect: str = ""


MAX_TABLE_CELLS = 2_000_000
"""A table with more cells (rows x columns) than this is not kept as rows of cells; its text
still is (a sheet with one far-right cell over many rows would otherwise be a huge grid)."""


@dataclass(frozen=True)
class Table:
    """One table as rows of cell texts, besides the page text that also holds it.

    XLSX/XLS/SpreadsheetML give one table per sheet (``kind`` "sheet", ``name`` the sheet's
    name, ``page`` its page); a CSV file one (``kind`` "sheet", ``name`` the file's stem, as
    Excel names it); DOCX, HWP and HWPX one per table in the body (``kind`` "table", ``name``
    "표 N" counting the document's tables in reading order, ``page`` the estimated page where
    it starts). Cells hold the same text the page shows (numbers as Excel shows them).

    ``rows`` are a rectangle (short rows padded with ""), from the table's first row to its
    last non-empty one; empty rows inside stay, so that ``first_row + index`` is the row
    number a person sees (the sheet row, or the row counted from 1 in a document table).
    Columns empty in every row before the table's first used column are left out;
    ``first_column`` is the 1-based sheet column of ``rows[r][0]``.

    Merged cells: the merged value is repeated in every cell of the merged area, so that each
    row (and column) reads on its own, e.g. a vertically merged "지표명" or a header cell
    "자체평가" spanning "점수" and "근거"; ``merged`` lists the areas as ``(row, column,
    last_row, last_column)`` indexes into ``rows`` (inclusive), so that a reader that must not
    count a value twice can tell a copy from its top-left original (``origin``).
    """

    page: int
    name: str
    rows: tuple[tuple[str, ...], ...]
    first_row: int = 1
    first_column: int = 1
    merged: tuple[tuple[int, int, int, int], ...] = ()
    kind: str = "table"

    def origin(self, row: int, column: int) -> tuple[int, int]:
        """The top-left cell of the merged area covering (row, column), or that cell."""
        for top, left, bottom, right in self.merged:
            if top <= row <= bottom and left <= column <= right:
                return top, left
        return row, column

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


@dataclass(frozen=True)
class ExtractionResult:
    """What an extractor returns: the detected type, pages, flat string metadata and, for
    formats with tables (XLSX, XLS, SpreadsheetML, CSV, DOCX, HWP, HWPX), the tables as
    rows of cells (``Table``); other formats give none."""

    type: str
    pages: tuple[Page, ...]
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tables: tuple[Table, ...] = ()

    @property
    def text(self) -> str:
        """All pages joined by blank lines (for callers that do not need pages)."""
        return "\n\n".join(page.text for page in self.pages)


# code -> (English, Korean) default messages; each says what a person can do next.
ERROR_CODES: dict[str, tuple[str, str]] = {
    "empty": (
        "The file is empty (0 bytes). Upload the file again.",
        "빈 파일입니다(0바이트). 파일을 다시 올려 주세요.",
    ),
    "corrupt": (
        "The file is damaged or incomplete and cannot be read. Save it again from the "
        "original program and upload the new copy.",
        "파일이 손상되었거나 일부만 있어 읽을 수 없습니다. 원본 프로그램에서 다시 저장해 올려 주세요.",
    ),
    "encrypted": (
        "The file is password-protected or encrypted. Remove the password and upload it again.",
        "암호가 걸려 있거나 암호화된 파일입니다. 암호를 해제한 뒤 다시 올려 주세요.",
    ),
    "distribution_only": (
        "This is a Hangul distribution-only (배포용) document whose body is encrypted. "
        "Ask the applicant for the ordinary HWP/HWPX or a PDF of it.",
        "본문이 암호화된 한글 배포용 문서입니다. 일반 HWP/HWPX 파일이나 PDF로 다시 받아 주세요.",
    ),
    "unsupported": (
        "This file type is not supported. Convert it to PDF, HWP/HWPX, DOCX, XLSX, PPTX, "
        "text or an image and upload it again.",
        "지원하지 않는 파일 형식입니다. PDF, HWP/HWPX, DOCX, XLSX, PPTX, 텍스트 또는 이미지로 변환해 올려 주세요.",
    ),
    "too_large": (
        "The file is larger than the allowed size. Split it or compress its images and upload it again.",
        "허용된 크기보다 큰 파일입니다. 나누거나 이미지를 줄여 다시 올려 주세요.",
    ),
    "mislabeled": (
        "The file name says one type but the content is not a file type we recognize. "
        "Check that the right file was uploaded.",
        "파일 이름의 형식과 실제 내용이 다르며 내용도 알 수 없는 형식입니다. 올바른 파일인지 확인해 주세요.",
    ),
    "no_text": (
        "No text could be found in the file. If it is a scan, upload it with OCR enabled "
        "or a text version of it.",
        "파일에서 텍스트를 찾지 못했습니다. 스캔본이면 OCR을 켜고 올리거나 텍스트가 있는 파일을 올려 주세요.",
    ),
    "ocr_unavailable": (
        "The file is a scan (images only) and OCR (tesseract) is not installed on the server. "
        "Ask an administrator to install tesseract-ocr with Korean data.",
        "이미지로만 된 스캔 파일인데 서버에 OCR(tesseract)이 설치되어 있지 않습니다. "
        "관리자에게 tesseract-ocr(한국어 데이터 포함) 설치를 요청해 주세요.",
    ),
}


class ExtractionError(Exception):
    """The one error an extractor raises: a machine code plus readable messages.

    ``message`` is English, ``message_ko`` Korean; ``detail`` carries the underlying
    library's message where there was one (for logs and support, not for users).
    """

    code: str
    message: str
    message_ko: str
    detail: str

    def __init__(
        self,
        code: str,
        message: str | None = None,
        message_ko: str | None = None,
        *,
        detail: str = "",
    ) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown extraction error code: {code!r}")
        default_en, default_ko = ERROR_CODES[code]
        self.code = code
        self.message = message or default_en
        self.message_ko = message_ko or default_ko
        self.detail = detail
        text = f"[{code}] {self.message}"
        if detail:
            text += f" ({detail})"
        super().__init__(text)

    def __reduce__(self):  # keeps the error picklable across job-queue processes
        return (_rebuild_error, (self.code, self.message, self.message_ko, self.detail))


def _rebuild_error(code: str, message: str, message_ko: str, detail: str) -> ExtractionError:
    return ExtractionError(code, message, message_ko, detail=detail)


@runtime_checkable
class Extractor(Protocol):
    """A format module's extractor: ``types`` it handles, ``extract`` one file."""

    name: str
    types: frozenset[str]

    def extract(self, path: Path) -> ExtractionResult: ...
