"""The demo round: loaded once by `make run` from demo/demo.yaml, through the normal services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from ..config import PROJECT_ROOT
from ..extensions import db
from ..models import Framework, Round, User
from . import accounts, evidence, indicators, pipeline, rounds, scoring, uploads
from .errors import ServiceError
from .frameworks import import_framework

DEMO_DIR = PROJECT_ROOT / "demo"
FRAMEWORK_DIR = PROJECT_ROOT / "frameworks"


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    round_id: int
    documents: int
    message: str


def load_demo(demo_file: Path | None = None, *, run_now: bool = False) -> DemoResult:
    """Idempotent: a second call finds the demo round and does nothing."""
    demo_file = demo_file or DEMO_DIR / "demo.yaml"
    spec = yaml.safe_load(demo_file.read_text(encoding="utf-8"))
    round_spec = spec["round"]
    existing = db.session.scalar(select(Round).where(Round.name == round_spec["name"]))
    if existing is not None:
        return DemoResult(False, existing.id, 0, f"demo round {existing.id} is loaded already")

    for u in spec.get("users", []):
        if not db.session.scalar(select(User).where(User.username == u["username"])):
            accounts.create_user(
                u["username"], u["password"], u["role"], display_name=u.get("display_name", "")
            )
    framework = _framework(round_spec["framework"])
    new_round = rounds.create_round(round_spec["name"], framework.id)

    documents = 0
    submissions: dict[str, int] = {}
    score_specs = spec.get("scores", [])
    cited = {(entry["applicant"], entry["cite"]["document"]) for entry in score_specs}
    document_ids: dict[tuple[str, str], int] = {}
    for a in spec["applicants"]:
        new = rounds.add_applicant(
            new_round.id, a["name"], int(a["population"]), region=a.get("region", "")
        )
        submissions[a["name"]] = new.submission_id
        paths = []
        for d in a.get("documents", []):
            path = (demo_file.parent / d["path"]).resolve()
            if not path.is_file():
                raise ServiceError(f"demo document missing: {path}")
            paths.append((path, d.get("type", "evidence")))
        for path, doc_type in paths:
            # the same ingestion path as an upload; the worker processes them, except those
            # the demo's scores cite (and all of them with run_now), processed here and now
            now = run_now or (a["name"], path.name) in cited
            with path.open("rb") as fh:
                report = uploads.add_upload(
                    new.submission_id, path.name, fh, doc_type=doc_type, enqueue_jobs=not now
                )
            for outcome in report.outcomes:
                documents += 1
                if now and outcome.status == "queued" and outcome.document_id:
                    pipeline.process_inline(outcome.document_id)
                    document_ids[(a["name"], path.name)] = outcome.document_id
    for u in spec.get("users", []):
        for name in u.get("assigned", []):
            rounds.assign(submissions[name], u["username"])
    for entry in score_specs:
        _enter_scores(entry, submissions[entry["applicant"]], document_ids)
    return DemoResult(
        True,
        new_round.id,
        documents,
        f"demo round {new_round.id} loaded: {len(submissions)} applicants, {documents} documents queued",
    )


def _enter_scores(
    entry: dict, submission_id: int, document_ids: dict[tuple[str, str], int]
) -> None:
    """One indicator's demo scores, each evaluator citing the entry's page (its own link)."""
    submission = rounds.get_submission(submission_id)
    indicator = indicators.indicator_for(submission, entry["indicator"])
    cite = entry["cite"]
    document_id = document_ids.get((entry["applicant"], cite["document"]))
    if document_id is None:
        raise ServiceError(f"demo score cites {cite['document']}, not a document of the applicant")
    for row in entry["scores"]:
        evaluator = accounts.user_by_name(row["evaluator"])
        link = evidence.link_citation(
            evaluator.id,
            submission_id,
            indicator.id,
            document_id,
            int(cite["page"]),
            quote=cite.get("quote", ""),
        )
        scoring.save_score(
            evaluator.id,
            submission_id,
            indicator.id,
            entry["stage"],
            scoring.ScoreForm(
                points=row.get("points"),
                level=row.get("level"),
                comment=row.get("comment", ""),
                link_ids=[link.id],
            ),
        )


def _framework(code: str) -> Framework:
    found = db.session.scalar(
        select(Framework).where(Framework.code == code).order_by(Framework.id.desc())
    )
    if found is not None:
        return found
    summary = import_framework(FRAMEWORK_DIR / f"{code}.yaml")
    framework = db.session.get(Framework, summary.id)
    assert framework is not None
    return framework
