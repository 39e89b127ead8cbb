"""Admin pages for programme rules: every programme's versions, a new version, and corrections to an unbound one."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.core.forms import commit_or_attach
from marketplace.extensions import db
from marketplace.ppp import rule_sets
from marketplace.ppp.models import FinancingPlan, RuleSet
from marketplace.programmes.models import Programme

bp = Blueprint("ppp_rules", __name__, url_prefix="/admin/programmes")


class RuleSetForm(FlaskForm):
    version = StringField(_l("Version"), validators=[InputRequired(), Length(max=20)],
                          description=_l("A new label for each version, such as v2027."))
    valid_from = DateField(_l("In force from"), validators=[InputRequired()])
    valid_to = DateField(_l("In force until (exclusive, optional)"), validators=[Optional()])
    params = TextAreaField(_l("Rules (JSON)"), validators=[InputRequired(), Length(max=20_000)],
                           render_kw={"dir": "ltr", "spellcheck": "false"},
                           description=_l("The parameters the plan checks read: total bounds, eligible sectors, "
                                          "own funds, grant formula and cap, bank share, guarantee, splits. Unknown "
                                          "names are refused."))


@bp.before_request
@login_required
def require_admin():
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
def index():
    return render_template("ppp/rule_sets.html", programmes=rule_sets.rule_sets_by_programme())


@bp.route("/<code>/rule-sets/new", methods=["GET", "POST"])
def new_version(code: str):
    programme = db.session.scalar(select(Programme).where(Programme.code == code)) or abort(404)
    form = RuleSetForm()
    if request.method == "GET":
        latest = db.session.scalar(select(RuleSet).where(RuleSet.programme_id == programme.id)
                                   .order_by(RuleSet.valid_from.desc(), RuleSet.id.desc()).limit(1))
        form.params.data = json.dumps(latest.params if latest else {"currency": "MAD"}, indent=2,
                                      ensure_ascii=False)
    elif form.validate_on_submit() and commit_or_attach(form, lambda: rule_sets.create_rule_set(
            current_user, programme, version=form.version.data, valid_from=form.valid_from.data,
            valid_to=form.valid_to.data, params_text=form.params.data)):
        flash(_("Version %(version)s of %(programme)s is published.", version=form.version.data.strip(),
                programme=programme.name), "success")
        return redirect(url_for("ppp_rules.index", _anchor=f"programme-{programme.code}"))
    return render_template("ppp/rule_set_form.html", form=form, programme=programme, rule_set=None,
                           bound=0), 422 if request.method == "POST" else 200


@bp.route("/rule-sets/<int(max=2147483647):rule_set_id>", methods=["GET", "POST"])
def edit_version(rule_set_id: int):
    rule_set = db.get_or_404(RuleSet, rule_set_id)
    bound = db.session.scalar(select(db.func.count()).where(FinancingPlan.rule_set_id == rule_set.id))
    form = RuleSetForm(obj=rule_set) if request.method == "GET" else RuleSetForm()
    form.version.data, form.valid_from.data = rule_set.version, rule_set.valid_from  # fixed once published
    if request.method == "GET":
        form.params.data = json.dumps(rule_set.params, indent=2, ensure_ascii=False)
    elif form.validate_on_submit() and commit_or_attach(form, lambda: rule_sets.update_rule_set(
            current_user, rule_set, valid_to=form.valid_to.data, params_text=form.params.data)):
        flash(_("Version %(version)s is corrected.", version=rule_set.version), "success")
        return redirect(url_for("ppp_rules.index", _anchor=f"programme-{rule_set.programme.code}"))
    return render_template("ppp/rule_set_form.html", form=form, programme=rule_set.programme, rule_set=rule_set,
                           bound=bound), 422 if request.method == "POST" else 200
