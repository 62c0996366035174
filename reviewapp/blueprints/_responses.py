"""Responses every view shares: whether htmx asked, and an error page that always renders."""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..services.session import rollback


def is_htmx() -> bool:
    """The request comes from htmx (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


def error_response(code: int, message: str, *, fragment: bool = True) -> tuple[str, int]:
    """The app's error page (or, for htmx and ``fragment``, a small alert) with ``code``.

    It must render whatever state the request left behind: the session is rolled back first
    (a failed flush leaves it unusable), a user that cannot be loaded is shown as signed out,
    and if rendering still fails a plain page (error_fallback.html, rendered without base.html,
    context processors or the database) is sent.
    """
    try:
        rollback()
    except Exception:  # the connection itself is broken; the page must still render
        current_app.logger.exception("rollback failed while rendering a %s page", code)
    _guard_current_user()
    try:
        if fragment and is_htmx():
            text = message or _("The request could not be processed.")
            return render_template("_partials/alert.html", message=text), code
        return render_template("error.html", code=code, message=message), code
    except Exception:
        current_app.logger.exception("the %s error page failed to render", code)
        return _fallback_page(code), code


def _fallback_page(code: int) -> str:
    """error_fallback.html straight from the template environment: no context processors (they
    load the user), no base.html; plain text if even that fails."""
    try:
        return current_app.jinja_env.get_template("error_fallback.html").render(code=int(code))
    except Exception:
        current_app.logger.exception("the fallback error page failed to render")
        return f"{int(code)}"


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
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
