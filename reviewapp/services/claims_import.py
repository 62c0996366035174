"""Claims import: the rows of an applicant's self-evaluation (or quantitative) table become
Claim rows, one per indicator row (issue 14).

Where the rows come from: the tables the extractors read from the stored original
(``extractors.Table``: XLSX/XLS sheets, CSV, DOCX/HWP/HWPX tables, merged cells repeated
over their area). A table is a claims table when one of its first rows is a header row:

- a header the coordinator mapped for this round (``ClaimMapping``, keyed by the header
  row's cells): its columns, as saved;
- else a known layout, recognized by its header words wherever the row sits (under a title
  block, one row or a merged group header over sub-headers such as ``자체평가`` over
  ``점수 | 근거``): short cells without numbers, an indicator column (``지표코드``, ``지표``,
  ``지표명``, ``평가지표``, ``항목``) and at least one of claimed value (``실적``,
  ``달성값``), points (``점수``, ``자체평가``) and cited document (``증빙자료``, ``근거 문서``);
  narrative (``근거``, ``비고``) and page (``쪽``, ``페이지``) columns are read where present
  (an "항목 | 내용" table is no claims table).

Each data row below it becomes a Claim: ``claimed_value`` (the value cells), ``text`` (the
narrative cells), ``claimed_points`` ("12.5점" -> 12.5), ``cited_document``/``cited_page`` as
written, ``source_reference`` ("시트 '자체평가' 5행", "표 2 (3쪽) 4행"), ``kind`` from the
document type, and ``problems`` saying what in the row could not be read. The indicator is
matched by code, else by title (exact, then normalized: spaces, punctuation, width and
numbering ignored, then the closest title at ``FUZZY_THRESHOLD`` or more, by difflib); a
row that matches none keeps ``indicator_ref`` as written, ``indicator_id`` None and status
"unmatched": it is listed, never dropped. Blank rows, total rows (합계/소계/계), notes
(※ ...), section rows (one merged cell across the row) and repeated header rows are not
claims; they are named in the report's ``skipped``.

Re-import replaces the document's claims. A claim whose row and indicator are found again
keeps its id, so evaluators' review marks (ClaimReview) stay attached; its check is reset
(status pending, no evidence). A claim whose row is gone is deleted with its review marks;
the audit event of the import keeps each dropped mark (evaluator, note, date).
"""

from __future__ import annotations

import difflib
import logging
import re
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from extractors import ExtractionError, Table, extract

from ..extensions import db
from ..models import (
    Claim,
    ClaimMapping,
    ClaimReview,
    Document,
    DocumentStatus,
    DocumentType,
    Indicator,
    Round,
)
from . import audit, storage
from .documents import document_path, work_dir
from .errors import Invalid, NotFound, ServiceError
from .rounds import require_open

log = logging.getLogger(__name__)

__all__ = [
    "CLAIM_DOCUMENT_TYPES",
    "FIELDS",
    "FUZZY_THRESHOLD",
    "Candidate",
    "ImportReport",
    "NotATableDocument",
    "candidate_headers",
    "import_claims",
    "map_columns",
    "parse_points",
    "save_mapping",
    "tables_of",
]

CLAIM_DOCUMENT_TYPES = frozenset(
    {DocumentType.SELF_EVALUATION.value, DocumentType.QUANTITATIVE.value}
)
"""Document types whose tables are imported as claims when they become ready (a quantitative
document only where a claims header row is found in it)."""

FIELDS = ("indicator", "value", "text", "points", "document", "page")
"""The columns a coordinator maps (ClaimMapping.columns keys): indicator code or title,
claimed value, narrative, claimed points, cited document, cited page."""

FUZZY_THRESHOLD = 0.8
"""The least difflib ratio between normalized titles for a row to be linked to the closest
indicator title (a misspelling); below it the row stays unmatched."""

HEADER_SEARCH_ROWS = 30  # a header row is looked for among a table's first rows
TABLE_TYPES = frozenset({"xlsx", "xls", "spreadsheetml", "docx", "hwp", "hwpx"})
CSV_SUFFIXES = (".csv", ".tsv")
MAX_CANDIDATE_TABLES = 30
MAX_CANDIDATES_PER_TABLE = 6

# ---------------------------------------------------------------- header words

_NOT_CLAIMS = ("배점", "만점", "최대점수", "기준점수", "가중치")
_ROW_NUMBERS = frozenset({"연번", "순번", "번호", "no", "no.", "순서", "#"})
_ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("code", ("지표코드", "지표번호", "지표id", "코드")),
    ("page", ("쪽", "페이지", "page", "면수")),
    ("document", ("문서", "증빙", "자료", "파일", "첨부", "출처")),
    ("points", ("점수", "득점", "평점")),
    ("value", ("실적", "달성", "현황", "수치", "측정값", "결과값", "성과")),
    ("text", ("근거", "요약", "내용", "설명", "비고", "의견", "사유")),
    ("title", ("지표", "항목")),
)
_EXACT_ROLES = {"자체평가": "points", "p": "page", "p.": "page", "면": "page"}
_CLAIM_ROLES = ("value", "points", "document")  # narrative alone ("항목 | 내용") is no claims table
_HEADER_CELL_CHARS = 30
_TOTAL_WORDS = frozenset({"합계", "소계", "계", "총계", "총점", "합", "누계", "총합계", "전체"})
_NOTE_MARKS = ("※", "*", "주)", "주:", "(주)")


def _squash(text: str) -> str:
    """NFKC (full-width letters and digits), lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def header_role(cell: str) -> str | None:
    """What a header cell names: code, title, value, points, text, document, page; or None."""
    word = _squash(cell)
    if not word or word in _ROW_NUMBERS or any(w in word for w in _NOT_CLAIMS):
        return None
    if word in _EXACT_ROLES:
        return _EXACT_ROLES[word]
    for role, words in _ROLE_WORDS:
        if any(w in word for w in words):
            return role
    return None


# ---------------------------------------------------------------- layouts


@dataclass(frozen=True)
class Layout:
    """Where a claims table's header is and what its columns hold.

    ``header`` is the index in ``table.rows`` of the header's last row (data start below it),
    ``columns`` role -> column indexes into the rows (roles: code, title, value, points, text,
    document, page; a mapped "indicator" column is both code and title), ``mapping`` the
    ClaimMapping used, if any.
    """

    header: int
    columns: dict[str, tuple[int, ...]]
    mapping_id: int | None = None

    def cells(self, row: Sequence[str], role: str) -> list[str]:
        return [row[c] for c in self.columns.get(role, ()) if c < len(row)]


def _roles_layout(header: int, texts: Sequence[str]) -> Layout | None:
    """The layout whose header row reads ``texts``: header words (short, no numbers), an
    indicator column and a value, points or cited-document column; None otherwise."""
    if not _header_like(texts):
        return None
    columns: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        role = header_role(text)
        if role is not None:
            columns.setdefault(role, []).append(index)
    if not ({"code", "title"} & columns.keys()) or not any(r in columns for r in _CLAIM_ROLES):
        return None
    return Layout(header, {role: tuple(cols) for role, cols in columns.items()})


def _combined(table: Table, top: int) -> list[str]:
    """Header texts of rows ``top`` and ``top + 1`` read as one (a group header over its
    sub-headers): each column's distinct texts joined."""
    texts: list[str] = []
    for upper, lower in zip(table.rows[top], table.rows[top + 1], strict=True):
        parts = [t for t in (upper, lower) if t]
        texts.append(" ".join(dict.fromkeys(parts)))
    return texts


def _group_header(table: Table, top: int) -> bool:
    """Row ``top`` holds a merged cell spanning columns, or a cell merged down into the next
    row: the shape of a two-row header."""
    return any(
        (t <= top <= b and right > left) or (t == top and b > top)
        for t, left, b, right in table.merged
    )


def recognize(table: Table) -> Layout | None:
    """The known layout of ``table``: its first header row (or two-row header) with an
    indicator column and a claim column; None when there is none."""
    for top in range(min(HEADER_SEARCH_ROWS, len(table.rows))):
        single = _roles_layout(top, table.rows[top])
        if single is None:
            continue
        if top + 1 < len(table.rows) and _group_header(table, top):
            double = _roles_layout(top + 1, _combined(table, top))
            if double is not None and _score(double) > _score(single):
                return double
        return single
    return None


def _score(layout: Layout) -> int:
    return len(layout.columns)


def header_key(row: Sequence[str]) -> tuple[list[str], int]:
    """A header row's cells from its first to its last non-empty one (whitespace collapsed),
    and the index of the first: a mapping's key and the origin of its column indexes."""
    cells = [" ".join(c.split()) for c in row]
    filled = [i for i, c in enumerate(cells) if c]
    if not filled:
        return [], 0
    return cells[filled[0] : filled[-1] + 1], filled[0]


def _mapped(table: Table, mappings: Sequence[ClaimMapping]) -> Layout | None:
    if not mappings:
        return None
    by_header = {tuple(m.header): m for m in mappings}
    for index in range(min(HEADER_SEARCH_ROWS, len(table.rows))):
        key, offset = header_key(table.rows[index])
        mapping = by_header.get(tuple(key))
        if mapping is None:
            continue
        columns: dict[str, list[int]] = {}
        for name, column in (mapping.columns or {}).items():
            roles = ("code", "title") if name == "indicator" else (name,)
            for role in roles:
                columns.setdefault(role, []).append(offset + int(column))
        return Layout(index, {r: tuple(c) for r, c in columns.items()}, mapping.id)
    return None


def find_layouts(
    tables: Sequence[Table], mappings: Sequence[ClaimMapping]
) -> list[tuple[Table, Layout]]:
    """The claims tables among ``tables``: a saved mapping's header first, else a known one."""
    found: list[tuple[Table, Layout]] = []
    for table in tables:
        layout = _mapped(table, mappings) or recognize(table)
        if layout is not None:
            found.append((table, layout))
    return found


# ---------------------------------------------------------------- indicators


def _code_key(text: str) -> str:
    """``INN-01``, ``inn 1``, ``ＩＮＮ－０１`` -> ``INN1``."""
    word = re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text).lower())
    return re.sub(r"\d+", lambda m: str(int(m.group())), word).upper()


_CODE_TOKEN = re.compile(r"^\s*([A-Za-zＡ-Ｚａ-ｚ]{1,8}\s*[-_.－]?\s*[0-9０-９]{1,4})(?![0-9])")
_NUMBERING = re.compile(r"^\s*(?:\(?\d+(?:[.-]\d+)*[.)]?|[①-⑳]|[가-하][.)])\s+")


def _title_key(text: str) -> str:
    """A title with numbering, spaces, punctuation and width differences removed."""
    text = unicodedata.normalize("NFKC", text)
    text = _NUMBERING.sub("", text)
    return "".join(ch for ch in text.lower() if ch.isalnum())


@dataclass
class Match:
    indicator: Indicator | None
    problems: list[str] = field(default_factory=list)


class IndicatorMatcher:
    """Matches what a row says to the round's indicators: code, then title (exact,
    normalized, closest at FUZZY_THRESHOLD or more)."""

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        self.indicators = list(indicators)
        self.by_code = {_code_key(i.code): i for i in self.indicators}
        self.by_title: dict[str, Indicator] = {}
        self.by_key: dict[str, Indicator] = {}
        for indicator in self.indicators:
            for title in (indicator.title_ko, indicator.title_en):
                if title and title.strip():
                    self.by_title.setdefault(" ".join(title.split()), indicator)
                    self.by_key.setdefault(_title_key(title), indicator)

    def code(self, text: str) -> Indicator | None:
        if not text.strip():
            return None
        found = self.by_code.get(_code_key(text))
        if found is None and (token := _CODE_TOKEN.match(text)):
            found = self.by_code.get(_code_key(token.group(1)))
        return found

    def title(self, text: str) -> tuple[Indicator | None, str]:
        """The indicator titled ``text`` and how ("exact", "normalized", "fuzzy"; "" none)."""
        plain = " ".join(text.split())
        if not plain:
            return None, ""
        if plain in self.by_title:
            return self.by_title[plain], "exact"
        key = _title_key(plain)
        if not key:
            return None, ""
        if key in self.by_key:
            return self.by_key[key], "normalized"
        scored = sorted(
            (
                (difflib.SequenceMatcher(None, key, candidate, autojunk=False).ratio(), candidate)
                for candidate in self.by_key
            ),
            reverse=True,
        )
        if not scored or scored[0][0] < FUZZY_THRESHOLD:
            return None, ""
        best_ratio, best = scored[0]
        runner_up = scored[1] if len(scored) > 1 else None
        if (
            runner_up is not None
            and runner_up[0] >= best_ratio - 0.02
            and self.by_key[runner_up[1]] is not self.by_key[best]
        ):
            return None, "ambiguous"  # two titles about as close: no guess
        return self.by_key[best], "fuzzy"

    def match(self, codes: Sequence[str], titles: Sequence[str]) -> Match:
        """The indicator a row names in its code cells (``codes``) and title cells: a cell
        that reads as a code (``INN-01``, also at the start of a title) by code, the others
        by title. ``problems`` says what did not match, or how loosely it did."""
        cells = list(dict.fromkeys(t.strip() for t in [*codes, *titles] if t.strip()))
        code_cells = [c for c in cells if _CODE_TOKEN.match(c)]
        names = [c for c in cells if c not in code_cells]
        for text in code_cells:
            indicator = self.code(text)
            if indicator is not None:
                return Match(indicator, self._title_mismatch(indicator, names))
        unknown = (
            [f"지표코드 '{code_cells[0]}'는 이 라운드의 지표에 없습니다"] if code_cells else []
        )
        notes: list[str] = []
        for text in names:
            indicator, how = self.title(text)
            if indicator is None:
                if how == "ambiguous":
                    notes.append(f"지표명 '{text}'이(가) 여러 지표명과 비슷해 연결하지 않았습니다")
                continue
            if unknown:
                notes.append(f"{unknown[0]}: 지표명으로 {indicator.code}에 연결했습니다")
            if how == "fuzzy":
                notes.append(
                    f"지표명 '{text}'을(를) 가장 비슷한 '{indicator.title_ko}'({indicator.code})에 "
                    "연결했습니다"
                )
            return Match(indicator, notes)
        if not cells:
            return Match(None, ["지표 칸이 비어 있습니다"])
        if names and not notes:
            notes.append(f"지표명 '{names[0]}'과(와) 맞는 지표가 없습니다")
        return Match(None, unknown + notes)

    def _title_mismatch(self, indicator: Indicator, names: Sequence[str]) -> list[str]:
        """A problem when the row's title is not the title of the indicator its code names."""
        if not names:
            return []
        text = names[0]
        key = _title_key(text)
        known = _title_key(indicator.title_ko)
        if key in (known, _title_key(indicator.title_en or "")):
            return []
        if difflib.SequenceMatcher(None, key, known, autojunk=False).ratio() >= FUZZY_THRESHOLD:
            return []
        return [
            f"지표명 '{text}'이(가) {indicator.code}의 지표명 '{indicator.title_ko}'과(와) 다릅니다"
        ]


def indicators_of_round(round_id: int) -> list[Indicator]:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return []
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.framework_id == round_.framework_id)
            .order_by(Indicator.position)
        )
    )


# ---------------------------------------------------------------- cells


_POINTS = re.compile(
    r"^\+?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?\s*(?:점)?\s*(?:\[[^\]]*\])?$"
)
_MAX_POINTS = Decimal("99999999.99")


def parse_points(text: str) -> tuple[Decimal | None, str | None]:
    """Claimed points from a cell: "40", "12.5점", "１２.５", "1,200", "4.26 [4.256]" (as a
    sheet shows a rounded number); (None, None) for an empty cell; (None, problem) for text
    that is not one number."""
    plain = " ".join(unicodedata.normalize("NFKC", text).split())
    if not plain:
        return None, None
    match = _POINTS.match(plain)
    if match is None:
        return None, f"점수 '{text.strip()}'을(를) 숫자로 읽지 못했습니다"
    digits = match.group("int").replace(",", "")
    if match.group("frac"):
        digits += "." + match.group("frac")
    try:
        value = Decimal(digits).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None, f"점수 '{text.strip()}'을(를) 숫자로 읽지 못했습니다"
    if value > _MAX_POINTS:
        return None, f"점수 '{text.strip()}'이(가) 너무 큽니다"
    return value, None


def _distinct(table: Table, row: int, columns: Iterable[int]) -> list[str]:
    """Non-empty cells of ``columns`` in one row, a horizontally merged value once."""
    out: list[str] = []
    for column in columns:
        if column >= table.width:
            continue
        top, left = table.origin(row, column)
        if top == row and left != column and left in columns:
            continue  # a copy of a merged cell already read in this row
        text = table.rows[row][column].strip()
        if text and text not in out:
            out.append(text)
    return out


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _place(table: Table, row: int) -> str:
    """Where a row is, as a person finds it: "시트 '자체평가' 5행", "표 2 (3쪽) 4행"."""
    number = table.first_row + row
    if table.kind == "sheet":
        return f"시트 '{table.name}' {number}행"
    return f"{table.name} ({table.page}쪽) {number}행"


def _is_total(words: Iterable[str]) -> bool:
    for word in words:
        squashed = re.sub(r"[\W_]", "", _squash(word))
        if squashed in _TOTAL_WORDS or re.match(r"^(합계|소계|총계|누계)", squashed):
            return True
    return False


def _is_section(table: Table, row: int) -> bool:
    """Every non-empty cell of the row is one merged cell spanning most of the row."""
    cells = table.rows[row]
    filled = [c for c, text in enumerate(cells) if text]
    origins = {table.origin(row, c) for c in filled}
    if len(origins) != 1:
        return False
    top, left = origins.pop()
    for t, lft, _, right in table.merged:
        if (t, lft) == (top, left):
            return right - lft + 1 >= max(2, (table.width + 1) // 2)
    return False


# ---------------------------------------------------------------- rows -> claims


@dataclass
class RowClaim:
    """One data row read as a claim (before it is stored)."""

    source_reference: str
    indicator: Indicator | None
    indicator_ref: str
    claimed_value: str
    text: str
    claimed_points: Decimal | None
    cited_document: str
    cited_page: str
    problems: list[str]


@dataclass
class ReadTables:
    claims: list[RowClaim] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    mappings: set[int] = field(default_factory=set)


def read_claims(found: Sequence[tuple[Table, Layout]], matcher: IndicatorMatcher) -> ReadTables:
    """The claims of the claims tables ``found`` (each with its layout)."""
    out = ReadTables()
    for table, first_layout in found:
        layout = first_layout
        out.tables.append(_place(table, layout.header).rsplit(" ", 1)[0])
        if layout.mapping_id is not None:
            out.mappings.add(layout.mapping_id)
        header_texts = [" ".join(c.split()) for c in table.rows[layout.header]]
        for row in range(layout.header + 1, len(table.rows)):
            cells = table.rows[row]
            place = _place(table, row)
            if not any(c.strip() for c in cells):
                continue  # a blank row
            if [" ".join(c.split()) for c in cells] == header_texts:
                out.skipped.append(f"{place}: 반복된 머리글 행")
                continue
            if layout.mapping_id is None:
                again = _roles_layout(row, cells)
                if again is not None:  # a second table's header under the first one
                    layout = again
                    header_texts = [" ".join(c.split()) for c in cells]
                    out.skipped.append(f"{place}: 머리글 행")
                    continue
            first = next(c.strip() for c in cells if c.strip())
            indicator_cells = layout.cells(cells, "code") + layout.cells(cells, "title")
            if first.startswith(_NOTE_MARKS):
                out.skipped.append(f"{place}: 주석 행")
                continue
            if _is_total([*indicator_cells, first]):
                out.skipped.append(f"{place}: 합계 행")
                continue
            if _is_section(table, row):
                out.skipped.append(f"{place}: 구분 행 '{first}'")
                continue
            out.claims.append(_row_claim(table, row, layout, matcher))
    _flag_duplicates(out.claims)
    return out


def _header_like(cells: Sequence[str]) -> bool:
    """Short words and no number: a row that may be a header, not data."""
    filled = [c for c in cells if c.strip()]
    return all(len(c) <= _HEADER_CELL_CHARS and parse_points(c)[0] is None for c in filled)


def _row_claim(table: Table, row: int, layout: Layout, matcher: IndicatorMatcher) -> RowClaim:
    cols = layout.columns
    codes = _distinct(table, row, cols.get("code", ()))
    titles = [t for t in _distinct(table, row, cols.get("title", ())) if t not in codes]
    match = matcher.match(codes, titles)
    problems = list(match.problems)
    value = " / ".join(_distinct(table, row, cols.get("value", ())))
    narrative = "\n".join(_distinct(table, row, cols.get("text", ())))
    if len(value) > 200:
        problems.append(
            "실적 값이 200자를 넘어 앞부분만 실적으로 저장했습니다(전체는 내용에 있습니다)"
        )
        narrative = "\n".join(t for t in (value, narrative) if t)
    points: Decimal | None = None
    if "points" in cols:
        point_cells = _distinct(table, row, cols["points"])
        if not point_cells:
            problems.append("자체평가 점수가 비어 있습니다")
        for text in point_cells:
            points, problem = parse_points(text)
            if problem:
                problems.append(problem)
            if points is not None:
                break
    return RowClaim(
        source_reference=_clip(_place(table, row), 300),
        indicator=match.indicator,
        indicator_ref=_clip(" ".join(dict.fromkeys(codes + titles)), 300),
        claimed_value=_clip(value, 200),
        text=narrative,
        claimed_points=points,
        cited_document=_clip(" ".join(_distinct(table, row, cols.get("document", ()))), 300),
        cited_page=_clip(" ".join(_distinct(table, row, cols.get("page", ()))), 40),
        problems=problems,
    )


def _flag_duplicates(claims: list[RowClaim]) -> None:
    places: dict[int, list[RowClaim]] = {}
    for claim in claims:
        if claim.indicator is not None:
            places.setdefault(claim.indicator.id, []).append(claim)
    for same in places.values():
        if len(same) < 2:
            continue
        for claim in same:
            others = ", ".join(c.source_reference for c in same if c is not claim)
            claim.problems.append(f"같은 지표({claim.indicator.code})가 {others}에도 있습니다")  # type: ignore[union-attr]


# ---------------------------------------------------------------- documents


class NotATableDocument(ServiceError):
    """The document has no tables to import claims from (a PDF, an image, plain text)."""


def _document(document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    return document


def has_tables(document: Document) -> bool:
    """Whether the document's type can hold tables we read (its extracted type)."""
    if document.detected_type in TABLE_TYPES:
        return True
    return document.detected_type == "text" and document.filename.lower().endswith(CSV_SUFFIXES)


def tables_of(document: Document) -> tuple[Table, ...]:
    """The document's tables, read again from its stored original (never OCR'd)."""
    if document.status != DocumentStatus.READY.value:
        raise ServiceError(
            f"document {document.id} ({document.filename}) is not ready (status {document.status})"
        )
    if not has_tables(document):
        raise NotATableDocument(
            f"document {document.id} ({document.filename}) is not a table document: claims are "
            "imported from XLSX, XLS, CSV, DOCX, HWP and HWPX tables"
        )
    work = storage.materialize(document_path(document), document.filename, work_dir())
    try:
        result = extract(work, max_bytes=current_app.config["MAX_UPLOAD_BYTES"], ocr=False)
    except ExtractionError as exc:
        raise ServiceError(
            f"document {document.id} could not be read again: {exc.message}"
        ) from exc
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    return result.tables


def mappings_of(round_id: int) -> list[ClaimMapping]:
    return list(
        db.session.scalars(
            select(ClaimMapping)
            .where(ClaimMapping.round_id == round_id)
            .order_by(ClaimMapping.id.desc())
        )
    )


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``header_found`` False: no claims table was found (the document's
    claims, if any, were left as they were). ``unmatched``: (source_reference, indicator_ref)
    of the rows linked to no indicator. ``skipped``: rows that are not claims, and why.
    ``tables``: where the claims tables are. ``reviews_dropped``: review marks deleted with
    claims whose row is gone."""

    document_id: int
    claims: int = 0
    unmatched: tuple[tuple[str, str], ...] = ()
    skipped: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    header_found: bool = False
    has_tables: bool = True
    reviews_dropped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "claims": self.claims,
            "unmatched": len(self.unmatched),
        }


IMPORT_STATE = "claims_import"
"""doc_metadata key: "imported", "no_header" (no claims header row: map the columns) or
"no_tables" (nothing to import from: not a table document)."""


def import_claims(
    document_id: int, *, actor_id: int | None = None, automatic: bool = False
) -> ImportReport:
    """Import (or import again) the claims of one ready document; see the module notes.

    ``automatic``: the import that follows processing. It does nothing for a quantitative
    document without a claims header row, and never raises for a document it cannot read
    tables from (the state is recorded instead). On request, a document that is not a
    table document raises NotATableDocument, and a finalized round Conflict.
    """
    document = _document(document_id)
    submission = document.submission
    if not automatic:
        require_open(submission.round)
    kind = (
        document.doc_type
        if document.doc_type in CLAIM_DOCUMENT_TYPES
        else DocumentType.SELF_EVALUATION.value
    )
    try:
        tables = tables_of(document)
    except NotATableDocument:
        if not automatic:
            raise
        if document.doc_type == DocumentType.SELF_EVALUATION.value:
            _set_state(document, "no_tables")
            db.session.commit()
        return ImportReport(document_id, has_tables=False)
    found = find_layouts(tables, mappings_of(submission.round_id))
    if not found:
        if not automatic or document.doc_type == DocumentType.SELF_EVALUATION.value:
            _set_state(document, "no_header")
            db.session.commit()
        return ImportReport(document_id, has_tables=bool(tables))
    read = read_claims(found, IndicatorMatcher(indicators_of_round(submission.round_id)))
    dropped = _replace_claims(document, kind, read.claims)
    unmatched = tuple(
        (c.source_reference, c.indicator_ref) for c in read.claims if c.indicator is None
    )
    _set_state(document, "imported", claims=len(read.claims), unmatched=len(unmatched))
    audit.record(
        actor_id,
        "claims.import",
        "document",
        document.id,
        submission=submission.id,
        automatic=automatic,
        claims=len(read.claims),
        unmatched=len(unmatched),
        tables=read.tables,
        skipped=read.skipped,
        mappings=sorted(read.mappings),
        reviews_dropped=dropped,
    )
    db.session.commit()
    return ImportReport(
        document_id,
        claims=len(read.claims),
        unmatched=unmatched,
        skipped=tuple(read.skipped),
        tables=tuple(read.tables),
        header_found=True,
        reviews_dropped=len(dropped),
    )


def _set_state(document: Document, state: str, **counts: int) -> None:
    metadata = {
        k: v
        for k, v in (document.doc_metadata or {}).items()
        if k not in (IMPORT_STATE, "claims_count", "claims_unmatched")
    }
    metadata[IMPORT_STATE] = state
    for name, value in counts.items():
        metadata[f"claims_{'count' if name == 'claims' else name}"] = str(value)
    document.doc_metadata = metadata


def _replace_claims(document: Document, kind: str, rows: list[RowClaim]) -> list[dict[str, Any]]:
    """Store ``rows`` as the document's claims, keeping the id (and review marks) of a claim
    whose row and indicator are found again; returns the review marks dropped."""
    old = list(
        db.session.scalars(
            select(Claim).where(Claim.source_document_id == document.id).order_by(Claim.id)
        )
    )
    matched: dict[int, Claim] = {}  # index in rows -> old claim kept for it
    free = list(old)

    def keep(index: int, hits: list[Claim]) -> None:
        matched[index] = hits[0]
        free.remove(hits[0])

    for index, row in enumerate(rows):  # the same row, naming the same indicator
        indicator_id = row.indicator.id if row.indicator is not None else None
        hits = [
            c
            for c in free
            if c.source_reference == row.source_reference
            and c.indicator_id == indicator_id
            and (indicator_id is not None or c.indicator_ref == row.indicator_ref)
        ]
        if hits:
            keep(index, hits)
    for index, row in enumerate(rows):  # the same indicator (or unmatched text), moved
        if index in matched:
            continue
        if row.indicator is not None:
            hits = [c for c in free if c.indicator_id == row.indicator.id]
        else:
            hits = [
                c
                for c in free
                if c.indicator_id is None
                and row.indicator_ref
                and c.indicator_ref == row.indicator_ref
            ]
        if len(hits) == 1:
            keep(index, hits)
    dropped: list[dict[str, Any]] = []
    for claim in free:
        for review in db.session.scalars(
            select(ClaimReview).where(ClaimReview.claim_id == claim.id)
        ):
            dropped.append(
                {
                    "claim": claim.id,
                    "row": claim.source_reference,
                    "indicator": claim.indicator_ref,
                    "evaluator": review.evaluator_id,
                    "note": review.note,
                    "at": review.created_at.isoformat(timespec="seconds"),
                }
            )
        db.session.execute(delete(ClaimReview).where(ClaimReview.claim_id == claim.id))
        db.session.delete(claim)
    for index, row in enumerate(rows):
        claim = matched.get(index) or Claim(
            submission_id=document.submission_id, source_document_id=document.id
        )
        claim.kind = kind
        claim.indicator_id = row.indicator.id if row.indicator is not None else None
        claim.indicator_ref = row.indicator_ref
        claim.claimed_value = row.claimed_value
        claim.text = row.text
        claim.claimed_points = row.claimed_points
        claim.source_reference = row.source_reference
        claim.cited_document = row.cited_document
        claim.cited_page = row.cited_page
        claim.problems = list(row.problems)
        claim.status = "pending" if row.indicator is not None else "unmatched"
        claim.cited_document_missing = False
        claim.normalized = []
        claim.evidence = []
        claim.checked_at = None
        db.session.add(claim)
    db.session.flush()
    return dropped


# ---------------------------------------------------------------- mapping


@dataclass(frozen=True)
class Candidate:
    """A row that may be a claims table's header, for the coordinator to map: ``cells`` its
    header cells (``header_key``), ``guess`` field -> column of the known header words (or of
    the mapping saved for this header), ``saved`` whether a mapping exists for it."""

    table: int  # index in the document's tables
    row: int  # index in that table's rows
    place: str
    cells: tuple[str, ...]
    guess: dict[str, int]
    saved: bool = False


_GUESS_FIELDS = {
    "code": "indicator",
    "title": "indicator",
    "value": "value",
    "text": "text",
    "points": "points",
    "document": "document",
    "page": "page",
}


def candidates_in(tables: Sequence[Table], mappings: Sequence[ClaimMapping]) -> list[Candidate]:
    """Rows among each table's first rows with two or more filled cells."""
    saved = {tuple(m.header): m for m in mappings}
    out: list[Candidate] = []
    for number, table in enumerate(tables[:MAX_CANDIDATE_TABLES]):
        taken = 0
        for row in range(min(HEADER_SEARCH_ROWS, len(table.rows))):
            cells, _ = header_key(table.rows[row])
            if sum(1 for c in cells if c) < 2:
                continue
            mapping = saved.get(tuple(cells))
            if mapping is not None:
                guess = {k: int(v) for k, v in (mapping.columns or {}).items()}
            else:
                guess = {}
                for column, text in enumerate(cells):
                    role = header_role(text)
                    name = _GUESS_FIELDS.get(role or "")
                    if name and name not in guess:
                        guess[name] = column
            out.append(
                Candidate(number, row, _place(table, row), tuple(cells), guess, mapping is not None)
            )
            taken += 1
            if taken >= MAX_CANDIDATES_PER_TABLE:
                break
    return out


def candidate_headers(document_id: int) -> list[Candidate]:
    document = _document(document_id)
    return candidates_in(tables_of(document), mappings_of(document.submission.round_id))


def _check_columns(columns: dict[str, Any], width: int) -> dict[str, int]:
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for name, value in columns.items():
        if name not in FIELDS:
            errors[name] = f"unknown field (fields: {', '.join(FIELDS)})"
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "a column index (0, 1, 2, ...) is needed"
            continue
        if not 0 <= value < width:
            errors[name] = (
                f"column index {value} is out of range: the header row has {width} columns "
                f"(0-{width - 1})"
            )
            continue
        clean[name] = value
    if "indicator" not in columns:
        errors["indicator"] = "the indicator column (code or title) is required"
    elif not errors and not any(f in clean for f in ("value", "text", "points")):
        errors["value"] = "map at least one of value, text and points"
    if errors:
        raise Invalid(errors)
    return clean


def save_mapping(
    document_id: int,
    table: int,
    row: int,
    columns: dict[str, Any],
    *,
    actor_id: int | None = None,
) -> ClaimMapping:
    """Save the columns of header row ``row`` of the document's table ``table`` as the
    round's mapping for that header (replacing an earlier one for the same header); the
    caller imports the document again (pipeline.import_claims) to use it. Column indexes
    count from the header row's first filled cell. Invalid for a table, row or column that
    is not there."""
    document = _document(document_id)
    require_open(document.submission.round)
    tables = tables_of(document)
    if not 0 <= table < len(tables):
        raise Invalid({"table": f"no table {table}: the document has {len(tables)}"})
    rows = tables[table].rows
    if not 0 <= row < len(rows):
        raise Invalid({"row": f"no row {row}: the table has {len(rows)}"})
    cells, _ = header_key(rows[row])
    if sum(1 for c in cells if c) < 2:
        raise Invalid({"row": "the header row needs two or more filled cells"})
    clean = _check_columns(columns, len(cells))
    return _store_mapping(document, cells, clean, actor_id)


def map_columns(
    document_id: int, columns: dict[str, Any], *, actor_id: int | None = None
) -> ClaimMapping:
    """``save_mapping`` for the first row (of the first table) among the tables' first rows
    whose cells are filled in every mapped column: the header the columns name."""
    document = _document(document_id)
    require_open(document.submission.round)
    tables = tables_of(document)
    if not tables:
        raise NotATableDocument(f"document {document.id} ({document.filename}) has no tables")
    rows = [
        (t, r, *header_key(table.rows[r]))
        for t, table in enumerate(tables)
        for r in range(min(HEADER_SEARCH_ROWS, len(table.rows)))
    ]
    widest = max((len(cells) for *_, cells, _ in rows), default=0)
    _check_columns(columns, widest)
    wanted = list(columns.values())
    for t, r, cells, _ in rows:
        if max(wanted) < len(cells) and all(cells[c] for c in wanted):
            return save_mapping(document.id, t, r, columns, actor_id=actor_id)
    raise Invalid(
        {
            "columns": "no header row has text in every mapped column "
            f"({', '.join(str(c) for c in wanted)}); check the column indexes"
        }
    )


def _store_mapping(
    document: Document, cells: list[str], columns: dict[str, int], actor_id: int | None
) -> ClaimMapping:
    round_id = document.submission.round_id
    mapping = next((m for m in mappings_of(round_id) if list(m.header) == cells), None)
    before = dict(mapping.columns) if mapping is not None else None
    if mapping is None:
        mapping = ClaimMapping(round_id=round_id, header=cells, created_by_id=actor_id)
        db.session.add(mapping)
    mapping.columns = dict(columns)
    db.session.flush()
    audit.record(
        actor_id,
        "claims.mapping",
        "claim_mapping",
        mapping.id,
        round_id=round_id,
        document=document.id,
        header=cells,
        before=before,
        after=dict(columns),
    )
    db.session.commit()
    return mapping


# ---------------------------------------------------------------- for the document page


@dataclass(frozen=True)
class DocumentClaims:
    """A document's import state for its page: ``state`` (IMPORT_STATE: "", "imported",
    "no_header", "no_tables"), how many claims it holds and those linked to no indicator."""

    state: str
    count: int
    unmatched: list[Claim]


def document_claims(document: Document) -> DocumentClaims:
    claims = list(
        db.session.scalars(
            select(Claim).where(Claim.source_document_id == document.id).order_by(Claim.id)
        )
    )
    return DocumentClaims(
        state=str((document.doc_metadata or {}).get(IMPORT_STATE) or ""),
        count=len(claims),
        unmatched=[c for c in claims if c.indicator_id is None],
    )
