"""Rounds: list, create, one round with its applicants, tracks and progress; for coordinators
its grading rules, finalization (and reopening), assignments with conflict-of-interest answers
and its audit trail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange

from ..converters import ascii_integer, id_type
from ..models import Role, Round
from ..services import access, accounts, audit, frameworks, overview, results, rounds
from ..services.errors import Invalid, ServiceError
from .auth import roles_required

bp = Blueprint("rounds", __name__)


class RoundForm(FlaskForm):
    name = StringField("name", validators=[DataRequired()])
    framework_id = SelectField("framework", coerce=id_type)


class ApplicantForm(FlaskForm):
    name = StringField("name", validators=[DataRequired()])
    region = StringField("region")
    population = IntegerField(
        "population", validators=[ascii_integer(), DataRequired(), NumberRange(min=0)]
    )


class AssignForm(FlaskForm):
    submission_id = IntegerField("submission", validators=[ascii_integer(1), DataRequired()])
    username = SelectField("evaluator")


@bp.route("/")
@login_required
def home() -> Any:
    return redirect(url_for("rounds.index"))


@bp.route("/rounds", methods=["GET", "POST"])
@login_required
def index() -> Any:
    form = RoundForm()
    form.framework_id.choices = frameworks.choices()
    if request.method == "POST":
        if not access.can_manage(current_user):
            return render_template("error.html", code=403, message=_("Not allowed.")), 403
        if form.validate_on_submit():
            try:
                new = rounds.create_round(
                    form.name.data or "", form.framework_id.data, actor_id=current_user.id
                )
            except ServiceError as exc:
                flash(str(exc), "error")
            else:
                return redirect(url_for("rounds.show", round_id=new.id))
        else:
            flash(_("Check the form: a name and a framework are required."), "error")
    return render_template(
        "rounds/index.html", rounds=access.visible_rounds(current_user), form=form
    )


@bp.route("/rounds/<id:round_id>")
@login_required
def show(round_id: int) -> Any:
    return _show_page(access.round_for(current_user, round_id))


def _show_page(round_: Round, **context: Any) -> str:
    """The round page; ``context`` carries a refused form's errors and values back to it."""
    assign_form = AssignForm()
    assign_form.username.choices = [
        (u.username, u.display_name) for u in accounts.active_evaluators()
    ]
    manager = access.can_manage(current_user)
    return render_template(
        "rounds/show.html",
        view=overview.round_overview(current_user, round_),
        manage=rounds.management(round_) if manager else None,
        # before finalizing: how many indicators each applicant still has unscored
        unscored=results.unscored_counts(round_.id)
        if manager and round_.status != "finalized"
        else None,
        applicant_form=ApplicantForm(),
        assign_form=assign_form,
        **context,
    )


@bp.route("/rounds/<id:round_id>/applicants", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def add_applicant(round_id: int) -> Any:
    form = ApplicantForm()
    if form.validate_on_submit():
        try:
            rounds.add_applicant(
                round_id,
                form.name.data or "",
                form.population.data or 0,
                region=form.region.data or "",
                actor_id=current_user.id,
            )
            flash(_("Applicant registered."), "success")
        except ServiceError as exc:
            flash(str(exc), "error")
    else:
        flash(_("Check the form: name and a population of 0 or more are required."), "error")
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.route("/rounds/<id:round_id>/assignments", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def assign(round_id: int) -> Any:
    round_ = access.round_for(current_user, round_id)
    form = AssignForm()
    form.username.choices = [(request.form.get("username", ""), "")]
    if form.validate_on_submit():
        try:
            rounds.assign(
                form.submission_id.data or 0,
                form.username.data or "",
                actor_id=current_user.id,
                round_id=round_.id,
            )
            flash(_("Evaluator assigned."), "success")
        except ServiceError as exc:
            flash(str(exc), "error")
    else:
        flash(_("Check the form."), "error")
    return redirect(url_for("rounds.show", round_id=round_id))


def _whole(text: str | None) -> int | None:
    """A whole number as typed (ASCII digits); None when the field was not sent, and 0 (which
    the service refuses with its own message) for anything else."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 0


@bp.route("/rounds/<id:round_id>/settings", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def settings(round_id: int) -> Any:
    """Save the round's grading rules (until its first score); wrong fields: the round page
    with a message per field (400); scores exist or finalized: 409."""
    round_ = access.round_for(current_user, round_id)
    form = request.form
    try:
        rounds.update_settings(
            round_.id,
            actor_id=current_user.id,
            aggregation=form.get("aggregation"),
            trim_min=_whole(form.get("trim_min")),
            disagreement_pct=form.get("disagreement_pct"),
            threshold_pct=form.get("threshold_pct"),
            stages=form.getlist("stages"),
        )
    except Invalid as exc:
        values = {
            "aggregation": form.get("aggregation", ""),
            "trim_min": form.get("trim_min", ""),
            "disagreement_pct": form.get("disagreement_pct", ""),
            "threshold_pct": form.get("threshold_pct", ""),
            "stages": form.getlist("stages"),
        }
        return _show_page(round_, settings_errors=exc.fields, settings_values=values), 400
    flash(_("Round settings saved."), "success")
    return redirect(url_for("rounds.show", round_id=round_.id) + "#settings", code=303)


@bp.route("/rounds/<id:round_id>/finalize", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def finalize(round_id: int) -> Any:
    """Finalize the round once the confirmation box is ticked (400 without it)."""
    round_ = access.round_for(current_user, round_id)
    if request.form.get("confirm") != "yes":
        message = _("Tick the confirmation box to finalize the round.")
        return _show_page(round_, finalize_error=message), 400
    rounds.finalize(round_.id, actor_id=current_user.id)
    flash(_("Round finalized: scores, evidence and uploads can no longer change."), "success")
    return redirect(url_for("rounds.show", round_id=round_.id), code=303)


@bp.route("/rounds/<id:round_id>/reopen", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def reopen(round_id: int) -> Any:
    """Reopen a finalized round with a reason (400 without one, 409 when it is open)."""
    round_ = access.round_for(current_user, round_id)
    try:
        rounds.reopen(round_.id, actor_id=current_user.id, reason=request.form.get("reason", ""))
    except Invalid as exc:
        return _show_page(round_, reopen_error=exc.fields.get("reason", str(exc))), 400
    flash(_("Round reopened."), "success")
    return redirect(url_for("rounds.show", round_id=round_.id), code=303)


@bp.route("/rounds/<id:round_id>/audit")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def audit_trail(round_id: int) -> Any:
    """The round's audit trail, newest first, 100 events a page (``?page=``); read-only."""
    round_ = access.round_for(current_user, round_id)
    page = _whole(request.args.get("page")) or 1
    return render_template(
        "rounds/audit.html", round=round_, events=audit.page_of_round(round_.id, page)
    )
