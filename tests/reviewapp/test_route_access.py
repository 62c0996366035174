"""Every route that names a submission's things refuses an evaluator who is not assigned to it.

The routes are found in ``app.url_map`` by the names of their arguments, so a new route that
takes a submission, document, link, indicator, batch, round, passage or user is walked without
editing this file, and fails here if it forgets its access check. A route with an argument
this file does not know fails too, until the argument is classified below. Only routes that
are public on purpose are left out, each with its reason.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from reviewapp.extensions import db
from reviewapp.models import Claim, Document
from reviewapp.services import accounts, evidence, rounds, uploads
from tests.conftest import PASSWORD, World, csrf_token, login
from tests.reviewapp.helpers import MD, indicators_of

# Routes that take an argument yet are open to anyone, and why.
PUBLIC = {
    "static": "stylesheet and scripts: the login page needs them, they hold no data",
    "auth.set_language": "the language switch: <code> is a locale, offered on the login page",
}

# Routes every evaluator must reach, whatever they are assigned to: proof that the walk covers
# what it should (a walk that finds nothing must not pass).
KNOWN = {
    "rounds.show",
    "rounds.add_applicant",
    "rounds.assign",
    "rounds.settings",
    "rounds.finalize",
    "rounds.reopen",
    "rounds.audit_trail",
    "results.round_page",
    "results.progress",
    "results.disagreements",
    "results.adjudicate",
    "results.submission",
    "results.save_opinions",
    "results.export_file",
    "submissions.show",
    "submissions.coverage",
    "claims.table",
    "claims.review",
    "documents.upload",
    "documents.batch_summary",
    "documents.view",
    "documents.row",
    "documents.original",
    "documents.retry",
    "documents.delete",
    "claims_import.columns",
    "claims_import.save_columns",
    "claims_import.reimport",
    "indicators.page",
    "indicators.hits",
    "indicators.links",
    "indicators.link",
    "indicators.suggestions",
    "indicators.decide",
    "indicators.unlink",
    "accounts.deactivate",
    "accounts.reactivate",
    "accounts.reset_password",
    "accounts.set_role",
}

CHANGING = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Foreign:
    """Real ids of a submission (in its own round) that evaluator eva is not assigned to."""

    round_id: int
    submission_id: int
    document_id: int
    batch: str
    chunk_id: int
    link_id: int
    indicator_code: str
    indicator_id: int
    user_id: int  # another evaluator (evb), assigned there
    claim_id: int  # a claim of the applicant's self-evaluation

    def path_args(self) -> dict[str, object]:
        """Route argument name -> the foreign value it is filled with."""
        return {
            "submission_id": self.submission_id,
            "document_id": self.document_id,
            "link_id": self.link_id,
            "round_id": self.round_id,
            "batch": self.batch,
            "code": self.indicator_code,
            "indicator_id": self.indicator_id,
            "fmt": "docx",  # an export: with ?submission= below, one applicant's report
            "chunk_id": self.chunk_id,
            "passage_id": self.chunk_id,
            "user_id": self.user_id,
            "claim_id": self.claim_id,
        }

    def query(self) -> dict[str, object]:
        """Query-string ids the views read (?chunk=, search filters)."""
        return {
            "chunk": self.chunk_id,
            "submission": self.submission_id,
            "document": self.document_id,
            "stage": "document",  # a score form's stage
        }

    def form(self) -> dict[str, object]:
        """A form that would succeed for someone allowed: only access may refuse it."""
        return {
            "chunk_id": self.chunk_id,
            "decision": "accepted",
            "note": "남의 제출물",
            "submission_id": self.submission_id,
            "username": "eva",
            "name": "침입시",
            "region": "어딘가",
            "population": "300000",
            "password": "new-pass-5678",
            "role": "admin",
            "doc_type": "evidence",
        }


@pytest.fixture()
def foreign(app: Flask, world: World) -> Foreign:
    """A second round whose one applicant is assigned to evb only, with a ready document,
    its upload batch and an evidence link of evb's."""
    evb = accounts.user_by_name("evb")
    round_ = rounds.create_round("2027 인증", world.framework_id)
    submission_id = rounds.add_applicant(round_.id, "다른시", 640_000).submission_id
    rounds.assign(submission_id, "evb")
    report = uploads.add_upload(submission_id, "데이터기반행정법.md", io.BytesIO(MD.read_bytes()))
    (outcome,) = report.outcomes
    document = db.session.get(Document, outcome.document_id)
    assert document is not None and document.status == "ready" and document.chunks
    indicator = indicators_of(world)[0]
    chunk_id = document.chunks[0].id
    link = evidence.link_passage(evb.id, submission_id, indicator.id, chunk_id, note="근거")
    claim = Claim(submission_id=submission_id, indicator_id=indicator.id, text="시민참여단 25명")
    db.session.add(claim)
    db.session.commit()
    return Foreign(
        round_id=round_.id,
        submission_id=submission_id,
        document_id=document.id,
        batch=report.batch,
        chunk_id=chunk_id,
        link_id=link.id,
        indicator_code=indicator.code,
        indicator_id=indicator.id,
        user_id=evb.id,
        claim_id=claim.id,
    )


def guarded_rules(app: Flask, known_args: set[str]) -> list[Rule]:
    """Every rule with an argument, except the public ones; fails on an unknown argument."""
    rules = [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint not in PUBLIC]
    unknown = sorted(
        f"{r.rule}: {sorted(r.arguments - known_args)}" for r in rules if r.arguments - known_args
    )
    assert not unknown, (
        "routes with arguments this test cannot fill; classify them in Foreign.path_args "
        f"(or, if public on purpose, in PUBLIC with the reason): {unknown}"
    )
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def url_of(app: Flask, rule: Rule, foreign: Foreign) -> str:
    """The rule's path with every argument filled with the foreign id of its kind."""
    values = {a: foreign.path_args()[a] for a in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _database() -> dict[str, list[str]]:
    """Every row of every table, read on a connection of its own."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for table in db.metadata.sorted_tables
        }


def _stored_files(app: Flask) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


def _requests(
    client: FlaskClient, foreign: Foreign, rules: list[Rule], token: str
) -> Iterator[tuple[str, str, int]]:
    """(method, url, status) of every allowed method of every rule, filled with foreign ids."""
    for rule in rules:
        url = url_of(client.application, rule, foreign)
        for method in _methods(rule):
            if method in CHANGING:
                data = {
                    **foreign.form(),
                    "csrf_token": token,
                    "files": [(io.BytesIO("남의 제출물에 올린 파일".encode()), "침입.txt")],
                }
                response = client.open(
                    url, method=method, data=data, content_type="multipart/form-data"
                )
            else:
                response = client.open(url, method=method, query_string=foreign.query())
            yield method, url, response.status_code


def test_every_route_refuses_an_unassigned_evaluator(
    app: Flask, client: FlaskClient, world: World, foreign: Foreign
) -> None:
    rules = guarded_rules(app, set(foreign.path_args()))
    checked = {r.endpoint for r in rules}
    assert checked, "the walk found no route"
    assert checked >= KNOWN, sorted(KNOWN - checked)
    login(client, "eva")
    token = csrf_token(client, "/rounds")
    db_before, files_before = _database(), _stored_files(app)
    assert db_before["evidence_links"] and db_before["documents"] and files_before
    answers = list(_requests(client, foreign, rules, token))
    assert {m for m, _u, _s in answers} >= {"GET", "POST"}
    let_through = [f"{m} {u} -> {s}" for m, u, s in answers if s not in (403, 404)]
    assert let_through == [], let_through
    db.session.expire_all()
    assert _database() == db_before, "a refused request changed the database"
    assert _stored_files(app) == files_before, "a refused request stored a file"


def test_the_foreign_ids_are_real(
    app: Flask, client: FlaskClient, world: World, foreign: Foreign
) -> None:
    """The ids the walk uses lead to real pages for someone who may see them: the 404s above
    come from the access check, not from ids that do not exist."""
    rules = [r for r in guarded_rules(app, set(foreign.path_args())) if "GET" in _methods(r)]
    login(client, "admin")
    for rule in rules:
        if rule.endpoint in EVALUATOR_ONLY:
            continue
        url = url_of(app, rule, foreign)
        response = client.get(url, query_string=foreign.query())
        assert response.status_code == 200, url
    # an assigned evaluator's own fragments: real for evb, who reviews the foreign submission
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    evb = app.test_client()
    login(evb, "evb", PASSWORD)
    for rule in rules:
        if rule.endpoint in EVALUATOR_ONLY:
            url = url_of(app, rule, foreign)
            assert evb.get(url, query_string=foreign.query()).status_code == 200, url


# fragments only an assigned evaluator has (their own score form's evidence checkboxes)
EVALUATOR_ONLY = {"indicators.score_links"}


def test_the_assigned_evaluator_reaches_the_same_routes(
    app: Flask, client: FlaskClient, world: World, foreign: Foreign
) -> None:
    """evb, who is assigned, gets the pages eva is refused: the refusal is about eva."""
    login(client, "evb", PASSWORD)
    for endpoint in ("submissions.show", "documents.view", "indicators.page", "rounds.show"):
        (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
        url = url_of(app, rule, foreign)
        assert client.get(url).status_code == 200, url
