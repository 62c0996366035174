"""Login, logout, the language switch, role guards, and sessions that really end.

A session holds the user's `session_version` from login and a last-seen time; the user
loader refuses it when the version has moved on (logout, password change or reset,
deactivation) or when it has been idle longer than SESSION_IDLE_MINUTES.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..models import User
from ..services import accounts

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])


SESSION_VERSION = "sv"
LAST_SEEN = "seen"
# last-seen is rewritten at most this often, so most requests leave the cookie alone
SEEN_RESOLUTION_S = 60


def _load_user(user_id: str) -> User | None:
    """The session's user, unless the session was revoked or has been idle too long."""
    user = accounts.user_for_session(user_id)
    now = time.time()
    seen = session.get(LAST_SEEN)
    idle_s = float(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    if user is None or not user.active or session.get(SESSION_VERSION) != user.session_version:
        _end_session("revoked")
        return None
    if not isinstance(seen, int | float) or now - seen > idle_s:
        _end_session("idle")
        return None
    if now - seen >= SEEN_RESOLUTION_S:
        session[LAST_SEEN] = int(now)
    return user


def _end_session(reason: str) -> None:
    g.session_ended = reason
    for key in ("_user_id", "_fresh", "_id", SESSION_VERSION, LAST_SEEN):
        session.pop(key, None)


def start_session(user: User) -> None:
    """Log the user in with their current session version and a fresh last-seen time."""
    login_user(user)
    session[SESSION_VERSION] = user.session_version
    session[LAST_SEEN] = int(time.time())


def _unauthorized() -> Any:
    """To the login page; an htmx request gets a 401 with HX-Redirect (htmx follows it)."""
    if getattr(g, "session_ended", None):
        flash(_("Your session has ended. Please log in again."), "info")
    if request.headers.get("HX-Request") == "true":
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("rounds.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.attempt_login(
                form.username.data or "", form.password.data or "", request.remote_addr
            )
        except accounts.LoginThrottled as exc:
            flash(
                _(
                    "Too many login attempts. Try again in %(minutes)s minutes.",
                    minutes=exc.retry_minutes,
                ),
                "error",
            )
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after_seconds)}
        except accounts.LoginRefused:
            flash(_("Wrong username or password."), "error")
        else:
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        flash(_("Enter your username and password."), "error")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    """Ends every session of this user (the version moves on), not just this cookie."""
    accounts.end_sessions(current_user.id, actor_id=current_user.id)
    logout_user()
    session.pop(SESSION_VERSION, None)
    session.pop(LAST_SEEN, None)
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str) -> Any:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))


def init_app(app: Flask) -> None:
    """Register the views and tell the app's login manager how to load and refuse users."""
    app.register_blueprint(bp)
    login_manager: LoginManager = app.login_manager  # type: ignore[attr-defined]
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.login_message = None
