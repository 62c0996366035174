"""Responses every view shares: whether htmx asked, and an error page that always renders."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from ..extensions import db, login_manager


def is_htmx() -> bool:
    """The request comes from htmx (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


# The last resort when even the error page cannot render (the database is gone, a template
# fails): plain Korean HTML with the app's stylesheet, no template, no database.
_FALLBACK_PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>{code} · reviewapp</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><main><h1>{code}</h1>
<p>요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주십시오.</p>
<p><a href="/rounds">평가 라운드로 돌아가기</a></p></main></body></html>
"""


def error_response(code: int, message: str, *, fragment: bool = True) -> tuple[str, int]:
    """The app's error page (or, for htmx and ``fragment``, a small alert) with ``code``.

    It must render whatever state the request left behind: the session is rolled back first
    (a failed flush leaves it unusable), a user that cannot be loaded is shown as signed out,
    and if rendering still fails a plain page without template or database is sent.
    """
    try:
        db.session.rollback()
    except Exception:  # the connection itself is broken; the page must still render
        current_app.logger.exception("rollback failed while rendering a %s page", code)
    _guard_current_user()
    try:
        if fragment and is_htmx():
            text = message or _("The request could not be processed.")
            return f'<p class="flash error" role="alert">{escape(text)}</p>', code
        return render_template("error.html", code=code, message=message), code
    except Exception:
        current_app.logger.exception("the %s error page failed to render", code)
        return _FALLBACK_PAGE.format(code=int(code)), code


def _guard_current_user() -> None:
    """Load the signed-in user now; if that fails, treat the request as signed out so that
    base.html (header, menu) can render."""
    try:
        if current_user.is_authenticated:
            # the attributes the layout shows, expired by the rollback: reload them now
            current_user.display_name  # noqa: B018
            current_user.role  # noqa: B018
    except Exception:
        current_app.logger.exception("could not load the signed-in user for an error page")
        g._login_user = login_manager.anonymous_user()
