"""Accounts: "change my password" for everyone, user administration for admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..models import Role
from ..services import accounts
from ..services.errors import Forbidden, NotFound, ServiceError
from ._responses import error_response, is_htmx
from .auth import SESSION_VERSION, roles_required

bp = Blueprint("accounts", __name__)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("current", validators=[DataRequired()])
    new_password = PasswordField("new", validators=[DataRequired()])
    confirm = PasswordField("confirm", validators=[DataRequired()])


class SettingsForm(FlaskForm):
    keyboard_shortcuts = StringField("keyboard shortcuts")  # "on" or "off", checked below


# the form's values for a setting that is on or off
SWITCH = {"on": True, "off": False}


class NewUserForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    display_name = StringField("display name")
    role = StringField("role", validators=[DataRequired()])  # checked by the service
    password = PasswordField("password", validators=[DataRequired()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("password", validators=[DataRequired()])


class RoleForm(FlaskForm):
    role = StringField("role", validators=[DataRequired()])  # checked by the service


def _message(exc: ServiceError) -> str:
    """The service's refusal in the reader's language (names and figures kept)."""
    if isinstance(exc, accounts.PasswordTooShort):
        return _(
            "The password must have at least %(n)s characters.", n=accounts.MIN_PASSWORD_LENGTH
        )
    if isinstance(exc, accounts.WrongPassword):
        return _("The current password is wrong.")
    if isinstance(exc, accounts.LastAdmin):
        return _("This is the last active admin: make another user admin first.")
    if isinstance(exc, accounts.OwnAccount):
        return _("You cannot deactivate your own account.")
    if isinstance(exc, accounts.UserExists):
        return _("This username is taken.")
    return str(exc)


def _status(exc: ServiceError) -> int:
    return 403 if isinstance(exc, Forbidden) else 404 if isinstance(exc, NotFound) else 400


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """Current password required; every other session of this user ends, this one stays."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        if form.new_password.data != form.confirm.data:
            flash(_("The two new passwords differ."), "error")
            status = 400
        else:
            try:
                user = accounts.change_password(
                    current_user.id, form.current_password.data or "", form.new_password.data or ""
                )
            except ServiceError as exc:
                flash(_message(exc), "error")
                status = 400
            else:
                session[SESSION_VERSION] = user.session_version
                flash(_("Your password has been changed."), "info")
                return redirect(url_for("accounts.change_password"))
    elif form.is_submitted():
        flash(_("Fill in every field."), "error")
        status = 400
    return render_template("accounts/password.html", form=form), status


@bp.route("/account/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    """The user's own settings: single-key shortcuts on or off (WCAG 2.1.4), kept with the
    account so that they hold on every browser. htmx (the workbench's switch) gets 204."""
    form = SettingsForm()
    if not form.is_submitted():
        return render_template("accounts/settings.html", form=form)
    value = (form.keyboard_shortcuts.data or "").strip()  # the CSRF token: checked app-wide
    if value not in SWITCH:
        message = _("Choose on or off for the single-key shortcuts.")
        if is_htmx():
            return error_response(400, message)
        flash(message, "error")
        return render_template("accounts/settings.html", form=form), 400
    accounts.set_keyboard_shortcuts(current_user.id, SWITCH[value])
    if is_htmx():
        return "", 204
    flash(_("Your settings have been saved."), "info")
    return redirect(url_for("accounts.settings"))


def _users_page(status: int = 200, form: NewUserForm | None = None) -> Any:
    return render_template(
        "accounts/users.html",
        users=accounts.list_users(),
        form=form or NewUserForm(formdata=None),
        action_form=FlaskForm(),
        roles=accounts.role_choices(),
    ), status


@bp.route("/admin/users", methods=["GET"])
@roles_required(Role.ADMIN)
def users() -> Any:
    return _users_page()


@bp.route("/admin/users", methods=["POST"])
@roles_required(Role.ADMIN)
def create_user() -> Any:
    form = NewUserForm()
    if not form.validate_on_submit():
        flash(_("Fill in the username, role and password."), "error")
        return _users_page(400, form)
    try:
        user = accounts.create_user(
            form.username.data or "",
            form.password.data or "",
            form.role.data or "",
            display_name=form.display_name.data or "",
            actor_id=current_user.id,
        )
    except ServiceError as exc:
        flash(_message(exc), "error")
        return _users_page(_status(exc), form)
    flash(_("User %(name)s created.", name=user.username), "info")
    return redirect(url_for("accounts.users"))


def _act(call: Any, done: str) -> Any:
    """Run one admin action; back to the list with a message, or the refusal and its status."""
    try:
        user = call()
    except ServiceError as exc:
        flash(_message(exc), "error")
        return _users_page(_status(exc))
    flash(done % {"name": user.username}, "info")
    return redirect(url_for("accounts.users"))


@bp.route("/admin/users/<id:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate(user_id: int) -> Any:
    return _act(
        lambda: accounts.deactivate_user(user_id, actor_id=current_user.id),
        _("%(name)s is deactivated; their sessions have ended."),
    )


@bp.route("/admin/users/<id:user_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def reactivate(user_id: int) -> Any:
    return _act(
        lambda: accounts.reactivate_user(user_id, actor_id=current_user.id),
        _("%(name)s is active again."),
    )


@bp.route("/admin/users/<id:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> Any:
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash(_("Enter the new password."), "error")
        return _users_page(400)
    return _act(
        lambda: accounts.reset_password(
            user_id, form.password.data or "", actor_id=current_user.id
        ),
        _("The password of %(name)s is reset; their sessions have ended."),
    )


@bp.route("/admin/users/<id:user_id>/role", methods=["POST"])
@roles_required(Role.ADMIN)
def set_role(user_id: int) -> Any:
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return _users_page(400)
    return _act(
        lambda: accounts.set_role(user_id, form.role.data or "", actor_id=current_user.id),
        _("The role of %(name)s is changed."),
    )
