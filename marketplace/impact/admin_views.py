"""Admin pages of the indicator catalogue: list, add and edit indicators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.forms import attach_error
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.impact import catalogue
from marketplace.impact.forms import IndicatorForm
from marketplace.impact.models import Indicator

bp = Blueprint("impact_admin", __name__, url_prefix="/admin/impact")


@bp.before_request
@login_required
def require_admin():
    """The catalogue is the platform operator's: every page here is for admins only."""
    if not current_user.is_admin:
        abort(403)


@bp.get("/indicators")
def indicators():
    return render_template("impact/admin_indicators.html", indicators=catalogue.indicators())


@bp.route("/indicators/new", methods=["GET", "POST"])
def indicator_new():
    form = IndicatorForm().set_choices()
    if form.validate_on_submit():
        try:
            indicator = catalogue.create_indicator(current_user, _entered(form))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("%(code)s is added to the catalogue.", code=indicator.code), "success")
            return redirect(url_for("impact_admin.indicators"))
    return render_template("impact/admin_indicator_form.html", form=form, indicator=None), \
        422 if request.method == "POST" else 200


@bp.route("/indicators/<int(max=2147483647):indicator_id>/edit", methods=["GET", "POST"])
def indicator_edit(indicator_id: int):
    indicator = db.session.get(Indicator, indicator_id) or abort(404)
    form = IndicatorForm(obj=indicator).set_choices()
    if request.method == "GET":
        form.sdg_targets.data = ", ".join(indicator.sdg_targets or [])
    if form.validate_on_submit():
        try:
            catalogue.update_indicator(current_user, indicator, _entered(form))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("%(code)s is updated.", code=indicator.code), "success")
            return redirect(url_for("impact_admin.indicators"))
    return render_template("impact/admin_indicator_form.html", form=form, indicator=indicator), \
        422 if request.method == "POST" else 200


def _entered(form: IndicatorForm) -> catalogue.IndicatorInput:
    return catalogue.IndicatorInput(
        code=form.code.data or "", framework=form.framework.data, name_en=form.name_en.data or "",
        name_fr=form.name_fr.data or "", name_ar=form.name_ar.data or "", unit=form.unit.data or "",
        measure=form.measure.data, is_ascending=form.is_ascending.data, aggregation=form.aggregation.data,
        level=form.level.data, disaggregations=form.disaggregations.data or [],
        sdg_targets=(form.sdg_targets.data or "").split(","), definition_url=form.definition_url.data,
        is_active=form.is_active.data)
