"""ask, summary: questions of a submission's evidence, and an indicator's evidence summary.

``--as USERNAME`` acts as that user (an evaluator sees only assigned submissions; "no
submission" otherwise); without it the command acts as the first active admin.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from ..extensions import db
from ..models import Role, User
from ..services import access, accounts, answering, summaries
from ..services.errors import ServiceError
from ._common import emit, fail, json_option, with_database


def _actor(username: str | None) -> User:
    if username:
        return accounts.user_by_name(username)
    admin = db.session.scalar(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    )
    if admin is None:
        fail("no active admin: name a user with --as")
    return admin


@click.command("ask")
@click.argument("question")
@click.option("--submission", "submission_id", type=int, required=True)
@click.option("--indicator", "code", default=None, help="Scope to this indicator's evidence.")
@click.option("--as", "username", default=None, help="Ask as this user.")
@json_option
@with_database
def ask_cmd(
    question: str, submission_id: int, code: str | None, username: str | None, as_json: bool
) -> None:
    """Ask a question of one submission's evidence (cited answer or "not found")."""
    try:
        user = _actor(username)
        result, _record = answering.ask(user.id, submission_id, question, indicator_code=code)
    except ServiceError as exc:
        fail(exc)
    lines = [result.text if result.found else "제출 문서에서 답을 찾지 못했습니다 (not found)"]
    lines += [
        f"  [{i}] {c.document}, p. {c.page}: {c.sentence[:160]}"
        for i, c in enumerate(result.citations, 1)
    ]
    emit(as_json, result.as_cli_dict(), "\n".join(lines))


@click.command("summary")
@click.option("--submission", "submission_id", type=int, required=True)
@click.option("--indicator", "code", required=True)
@click.option("--as", "username", default=None, help="As this user sees it.")
@json_option
@with_database
def summary_cmd(submission_id: int, code: str, username: str | None, as_json: bool) -> None:
    """An indicator's evidence summary (computed now when the job has not stored it yet)."""
    try:
        user = _actor(username)
        submission, indicator = access.indicator_for(user, submission_id, code)
        row = summaries.cached(user, submission.id, indicator.id)
        if row is None:
            key = user.id if user.role == Role.EVALUATOR else None
            row = summaries.compute(submission.id, indicator.id, key)
    except ServiceError as exc:
        fail(exc)
    payload = {
        "source": row.source,
        "sentences": [
            {k: s[k] for k in ("text", "document", "document_id", "page")} for s in row.sentences
        ],
    }
    text = "\n".join(f"- {s['text']} ({s['document']}, p. {s['page']})" for s in row.sentences)
    emit(as_json, payload, text or "(no sentences)")


commands = [ask_cmd, summary_cmd]
