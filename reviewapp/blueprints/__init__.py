"""Thin views: parse the request, call one service, render a page or an htmx fragment."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from .. import security
from ..extensions import db, login_manager
from ..services.errors import Forbidden, NotFound, ServiceError


def init_app(app: Flask) -> None:
    from . import accounts, auth, documents, indicators, rounds, search, submissions

    auth.init_app(app)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(rounds.bp)
    app.register_blueprint(submissions.bp)
    app.register_blueprint(indicators.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(search.bp)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Any:
        return error_response(404, str(exc), fragment=False)

    @app.errorhandler(ServiceError)
    def _refused(exc: ServiceError) -> Any:
        return error_response(400, str(exc))

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Any:
        return error_response(403, str(exc), fragment=False)

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError) -> Any:
        # two clicks or two people at once: a unique constraint (or a foreign key) refused the
        # second write; nothing of this request was kept
        app.logger.warning("conflict on %s %s: %s", request.method, request.path, exc.orig)
        return error_response(
            409,
            _(
                "This was changed at the same moment by another request, or it already "
                "exists. Nothing was saved from this request: reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/static/"):
            return exc
        return error_response(exc.code or 500, exc.description or "", fragment=False)

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError) -> Any:
        # Flask has logged the original exception with its traceback (app.log_exception)
        return error_response(500, "")

    security.init_app(app)

    @app.before_request
    def _fresh_locale() -> None:
        # the locale is cached per app context, which can outlive one request
        refresh()

    @app.after_request
    def _vary_on_htmx(response: Any) -> Any:
        response.headers.add("Vary", "HX-Request")
        return response

    @app.context_processor
    def _inject() -> dict[str, Any]:
        from ..services.access import can_manage

        return {
            "current_locale": str(get_locale()),
            "is_htmx": request.headers.get("HX-Request") == "true",
            "can_manage": current_user.is_authenticated and can_manage(current_user),
        }


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
