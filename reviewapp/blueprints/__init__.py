"""Thin views: parse the request, call one service, render a page or an htmx fragment."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from .. import security
from ..services.access import can_manage
from ..services.errors import Conflict, Forbidden, NotFound, ServiceError
from ..services.session import WriteConflict
from . import (
    accounts,
    answering,
    auth,
    claims,
    claims_import,
    documents,
    frameworks,
    indicators,
    results,
    rounds,
    search,
    submissions,
)
from ._responses import error_response, is_htmx

__all__ = ["error_response", "init_app", "is_htmx"]


def init_app(app: Flask) -> None:
    auth.init_app(app)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(rounds.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(frameworks.bp)
    app.register_blueprint(submissions.bp)
    app.register_blueprint(indicators.bp)
    app.register_blueprint(claims.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(claims_import.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(answering.bp)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Any:
        return error_response(404, str(exc), fragment=False)

    @app.errorhandler(ServiceError)
    def _refused(exc: ServiceError) -> Any:
        return error_response(400, str(exc))

    @app.errorhandler(Conflict)
    def _state_conflict(exc: Conflict) -> Any:
        # a finalized round, a stale form: nothing was changed
        return error_response(409, str(exc))

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Any:
        return error_response(403, str(exc), fragment=False)

    @app.errorhandler(WriteConflict)
    def _conflict(exc: WriteConflict) -> Any:
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
        return {
            "current_locale": str(get_locale()),
            "is_htmx": request.headers.get("HX-Request") == "true",
            "can_manage": current_user.is_authenticated and can_manage(current_user),
        }
