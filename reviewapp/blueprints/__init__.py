"""Thin views: parse the request, call one service, render a page or an htmx fragment."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import get_locale, refresh
from flask_login import current_user
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from ..services.errors import Forbidden, NotFound, ServiceError


def init_app(app: Flask) -> None:
    from . import accounts, auth, documents, rounds, search, submissions, suggestions

    auth.init_app(app)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(rounds.bp)
    app.register_blueprint(submissions.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(suggestions.bp)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Any:
        return render_template("error.html", code=404, message=str(exc)), 404

    @app.errorhandler(ServiceError)
    def _refused(exc: ServiceError) -> Any:
        if is_htmx():
            return f'<p class="flash error" role="alert">{escape(str(exc))}</p>', 400
        return render_template("error.html", code=400, message=str(exc)), 400

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Any:
        return render_template("error.html", code=403, message=str(exc)), 403

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/static/"):
            return exc
        return render_template("error.html", code=exc.code, message=exc.description), exc.code

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
    return request.headers.get("HX-Request") == "true"
