"""The committee's exports of a round: the score workbook (XLSX), the per-indicator rows
(CSV) and one applicant's evaluation report (DOCX).

`export()` is the one entry point (the web download and `reviewapp export` call it). Every
format is built from services/results.py's read model (`round_results`), the one the results
page shows, so the screen and the files the ministry receives never differ. One module per
format: xlsx.py, csv.py, docx.py; what they share is in _common.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _

from ..models import utcnow
from ..services.errors import Invalid, NotFound
from ..services.results import Citation, round_results
from ..services.rounds import get_round
from ..services.summaries import committee_summaries
from . import csv as csv_rows
from . import docx as evaluation_report
from . import xlsx as score_workbook

FORMATS = ("xlsx", "csv", "docx")
# The media types without parameters: the web response adds "; charset=utf-8" to a text/*
# type itself (werkzeug), so a charset here would be said twice. The CSV is UTF-8 (with BOM).
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# what a file name may not hold on Windows, macOS or Linux (and control characters)
_NOT_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
MAX_FILENAME_CHARS = 150


# RFC 5987 attr-char: what a filename* value may hold unescaped
_ATTR_CHARS = "!#$&+-.^_`|~"


@dataclass(frozen=True)
class Export:
    """A finished export: ``filename`` to offer (Korean allowed, no path separators), its
    ``mimetype`` and the file's ``data``; ``ascii_filename`` names it for a client that reads
    no ``filename*`` ("round-1-results.xlsx")."""

    filename: str
    mimetype: str
    data: bytes
    ascii_filename: str

    @property
    def content_disposition(self) -> str:
        """The download's Content-Disposition: the ASCII name as ``filename`` and the Korean
        one as RFC 5987 ``filename*`` (which browsers prefer). Werkzeug's own fallback
        strips the Hangul and leaves "2026 -.xlsx"."""
        korean = quote(self.filename, safe=_ATTR_CHARS)
        return f"attachment; filename=\"{self.ascii_filename}\"; filename*=UTF-8''{korean}"


def export(round_id: int, fmt: str, *, submission_id: int | None = None) -> Export:
    """The round's export in ``fmt`` (one of FORMATS).

    xlsx: the score workbook (summary of every applicant; applicant sheets of every
    applicant, or of ``submission_id`` alone). csv: one row per applicant and indicator (all
    applicants, or ``submission_id``'s). docx: the evaluation report of ``submission_id``,
    which it requires; its citations link to the passage on the web when
    ``current_app.config["BASE_URL"]`` is set.

    Raises Invalid ({"format": ...} for a format not in FORMATS; {"submission": ...} for docx
    without ``submission_id``), NotFound (unknown round; a submission not in that round).
    Needs an app context (it reads the database).
    """
    if fmt not in FORMATS:
        raise Invalid({"format": _("Export as one of: %(formats)s.", formats=", ".join(FORMATS))})
    if fmt == "docx" and submission_id is None:
        raise Invalid({"submission": _("Choose the applicant whose report to export.")})
    round_ = get_round(round_id)
    applicant = ""
    if submission_id is not None:
        found = [sub for sub in round_.submissions if sub.id == submission_id]
        if not found:
            raise NotFound(f"no submission with id {submission_id} in round {round_id}")
        applicant = found[0].applicant.name
    results = round_results(round_id, submission_id=submission_id)
    generated_at = utcnow()
    if fmt == "xlsx":
        data = score_workbook.build(results, generated_at=generated_at)
        stem, what = [round_.name, applicant, "평가결과"], "results"
    elif fmt == "csv":
        data = csv_rows.build(results)
        stem, what = [round_.name, applicant, "지표별점수"], "indicator-scores"
    else:
        data = evaluation_report.build(
            results,
            generated_at=generated_at,
            evidence_url=_evidence_url(),
            summaries=committee_summaries(submission_id),
        )
        stem, what = [round_.name, applicant, "평가보고서"], "report"
    ascii_stem = f"round-{round_.id}"
    if submission_id is not None:
        ascii_stem += f"-submission-{submission_id}"
    return Export(
        filename=_filename(stem, fmt),
        mimetype=MIMETYPES[fmt],
        data=data,
        ascii_filename=f"{ascii_stem}-{what}.{fmt}",
    )


def _filename(parts: list[str], fmt: str) -> str:
    """ "2026 인증-한빛시-평가결과.xlsx": the non-empty parts joined by "-", without
    characters a file system refuses, at most MAX_FILENAME_CHARS before the extension."""
    stem = "-".join(
        cleaned for part in parts if (cleaned := _NOT_IN_FILENAME.sub("_", part).strip())
    )
    stem = stem[:MAX_FILENAME_CHARS].strip(" .") or "export"
    return f"{stem}.{fmt}"


def _evidence_url() -> evaluation_report.EvidenceUrl:
    """A citation's address on the web (the document view, scrolled to the passage), built
    from BASE_URL and the app's own route; without BASE_URL, no addresses."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    adapter = current_app.url_map.bind("localhost")

    def url(citation: Citation) -> str | None:
        if not base:
            return None
        values: dict[str, int] = {"document_id": citation.document_id}
        if citation.chunk_id is None:
            return base + adapter.build("documents.view", values)
        values["chunk"] = citation.chunk_id
        # the anchor scrolls to the marked passage, as the app's own links do
        return base + adapter.build("documents.view", values) + f"#chunk-{citation.chunk_id}"

    return url
