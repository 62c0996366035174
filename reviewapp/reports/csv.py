"""The round's per-indicator rows as CSV: one row per applicant and indicator, the columns of
the workbook's applicant sheets with 신청 지자체 and 유형 first.

Written for Excel in Korea: UTF-8 with a BOM (so Hangul is not read as CP949), CRLF line
ends, points as plain "24.00". (This module is ``reviewapp.reports.csv``; imports are
absolute, so ``import csv`` below is the standard library's.)
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from ..services.results import RoundResults
from . import _common as common

# A text cell starting with one of these is taken for a formula by Excel (OWASP "CSV
# injection"); such a cell is written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def build(results: RoundResults) -> bytes:
    """The rows of ``results.sheets`` as CSV bytes (utf-8-sig, CRLF): a header line, then
    applicants in the read model's order (track, rank) and indicators in framework order."""
    table = common.indicator_table(
        results.sheets,
        results,
        with_claims=common.round_has_claimed_points(results.grades.round),
    )
    tracks = common.track_names(results.grades.round)
    stage_names = dict(results.stages)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["신청 지자체", "유형", *table.headers])
    for sheet in results.sheets:
        track = sheet.submission.track
        lead = [_text(sheet.submission.applicant.name), _text(tracks.get(track, track))]
        for row in sheet.rows:
            writer.writerow(lead + [_cell(value) for value in table.values(row, stage_names)])
    return out.getvalue().encode("utf-8-sig")


def _cell(value: common.Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return common.points(value)
    if isinstance(value, int):
        return str(value)
    return _text(value)


def _text(value: str) -> str:
    value = common.clean(value)
    return "'" + value if value.startswith(_FORMULA_START) else value
