"""Rounds: list, create, one round with its applicants, tracks and progress."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange

from ..converters import ascii_integer, id_type
from ..models import Role
from ..services import access, accounts, frameworks, overview, rounds
from ..services.errors import ServiceError
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
    round_ = access.round_for(current_user, round_id)
    assign_form = AssignForm()
    assign_form.username.choices = [
        (u.username, u.display_name) for u in accounts.active_evaluators()
    ]
    return render_template(
        "rounds/show.html",
        view=overview.round_overview(current_user, round_),
        applicant_form=ApplicantForm(),
        assign_form=assign_form,
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
    form = AssignForm()
    form.username.choices = [(request.form.get("username", ""), "")]
    if form.validate_on_submit():
        try:
            rounds.assign(
                form.submission_id.data or 0, form.username.data or "", actor_id=current_user.id
            )
            flash(_("Evaluator assigned."), "success")
        except ServiceError as exc:
            flash(str(exc), "error")
    else:
        flash(_("Check the form."), "error")
    return redirect(url_for("rounds.show", round_id=round_id))
