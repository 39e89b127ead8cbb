"""Admin pages: organisations, users and their memberships, reference data and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from marketplace.accounts import services as account_services
from marketplace.accounts.forms import NONE_CHOICE, ConfirmForm
from marketplace.accounts.models import User
from marketplace.admin.forms import (
    ChecklistItemForm,
    CountryForm,
    HostsProjectsForm,
    RegionForm,
    UserCreateForm,
    UserMembershipForm,
)
from marketplace.audit.models import AuditEvent
from marketplace.core.forms import apply_and_report, attach_error, page_number
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.organisations import services as organisation_services
from marketplace.organisations.forms import OrganisationForm
from marketplace.organisations.models import Membership, Organisation
from marketplace.projects import vetting
from marketplace.projects.models import DueDiligenceItem
from marketplace.reference import services as reference_services
from marketplace.reference.models import Country, Region
from marketplace.reference.queries import country_choices, origin_region_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    """Every admin page is for members of the platform operator only."""
    if not current_user.is_admin:
        abort(403)


def _organisation_choices():
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return [(row.id, row.name) for row in rows]


@bp.get("/")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "organisations": db.session.scalar(select(func.count(Organisation.id))),
        "memberships": db.session.scalar(select(func.count(Membership.id))),
        "audit_events": db.session.scalar(select(func.count(AuditEvent.seq))),
    }
    return render_template("admin/index.html", counts=counts)


# Organisations -------------------------------------------------------------------------------------


@bp.get("/organisations")
def organisations():
    member_counts = (
        select(Membership.organisation_id, func.count(Membership.id).label("members"))
        .group_by(Membership.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, func.coalesce(member_counts.c.members, 0))
        .outerjoin(member_counts, member_counts.c.organisation_id == Organisation.id)
        .options(joinedload(Organisation.country))
        .order_by(Organisation.name)
    ).all()
    return render_template("admin/organisations.html", rows=rows)


def _organisation_form(obj=None) -> OrganisationForm:
    form = OrganisationForm(obj=obj)
    form.country_id.choices = [NONE_CHOICE, *country_choices()]
    form.region_id.choices = [NONE_CHOICE, *origin_region_choices()]
    if request.method == "GET" and obj is not None:
        form.country_id.data = obj.country_id or 0
        form.region_id.data = obj.region_id or 0
    return form


def _organisation_fields(form: OrganisationForm) -> dict:
    return {
        "name": form.name.data,
        "type": form.type.data,
        "country_id": form.country_id.data or None,
        "region_id": form.region_id.data or None,
        "website": form.website.data,
        "description": form.description.data,
    }


@bp.route("/organisations/new", methods=["GET", "POST"])
def organisation_new():
    form = _organisation_form()
    if form.validate_on_submit():
        try:
            organisation = organisation_services.create_organisation(actor=current_user, **_organisation_fields(form))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The organisation %(name)s is created.", name=organisation.name), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/organisation_form.html", form=form, organisation=None), status


@bp.route("/organisations/<int(max=2147483647):organisation_id>/edit", methods=["GET", "POST"])
def organisation_edit(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = _organisation_form(organisation)
    if form.validate_on_submit():
        try:
            organisation_services.update_organisation(
                organisation, actor=current_user, is_active=form.is_active.data, **_organisation_fields(form)
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The organisation is saved."), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/organisation_form.html", form=form, organisation=organisation), status


# Users ---------------------------------------------------------------------------------------------


@bp.get("/users")
def users():
    query_text = (request.args.get("q") or "").strip()[:100]
    query = select(User).order_by(User.email)
    if query_text:
        needle = query_text.lower()
        query = query.where(or_(User.email.contains(needle, autoescape=True),
                                func.lower(User.display_name).contains(needle, autoescape=True)))
    page = db.paginate(query, page=page_number(request.args), per_page=25, error_out=False)
    return render_template("admin/users.html", page=page, query_text=query_text)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    form.organisation_id.choices = [NONE_CHOICE, *_organisation_choices()]
    if form.validate_on_submit() and not form.is_investor.data and not form.organisation_id.data:
        form.organisation_id.errors = [_("Choose an organisation, or make it an investor account.")]
    elif form.validate_on_submit():
        try:
            user = account_services.create_account(
                actor=current_user,
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                is_investor=form.is_investor.data,
            )
            if form.organisation_id.data:
                organisation = db.session.get(Organisation, form.organisation_id.data)
                if organisation is None:
                    raise DomainError(_("Choose a known organisation."), field="organisation_id")
                organisation_services.add_membership(actor=current_user, organisation=organisation, user=user,
                                                     role=form.role.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The account for %(email)s is created.", email=user.email), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_new.html", form=form), status


@bp.get("/users/<int(max=2147483647):user_id>")
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    membership_form = UserMembershipForm()
    membership_form.organisation_id.choices = _organisation_choices()
    return render_template("admin/user_detail.html", user=user, membership_form=membership_form,
                           confirm_form=ConfirmForm())


@bp.post("/users/<int(max=2147483647):user_id>/memberships")
def user_add_membership(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserMembershipForm()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        organisation = db.get_or_404(Organisation, form.organisation_id.data)
        apply_and_report(
            lambda: organisation_services.add_membership(actor=current_user, organisation=organisation, user=user,
                                                         role=form.role.data),
            _("%(name)s is now a member of %(organisation)s.", name=user.display_name, organisation=organisation.name),
        )
    else:
        flash(_("Choose an organisation and a role."), "error")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int(max=2147483647):user_id>/active")
def user_set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        activate = request.form.get("active") == "1"
        apply_and_report(lambda: account_services.set_active(user, active=activate, actor=current_user),
                         _("The account is reactivated.") if activate else _("The account is suspended."))
    return redirect(url_for("admin.user_detail", user_id=user.id))


# Reference data ------------------------------------------------------------------------------------


@bp.route("/reference", methods=["GET", "POST"])
def reference():
    """Origin countries and their regions; any country can be opened for listings or added."""
    country_form = CountryForm(prefix="country")
    region_form = RegionForm(prefix="region")
    region_form.country_id.choices = country_choices()
    if request.method == "GET":
        region_form.country_id.data = region_form.country_id.choices[0][0]
    status = 200
    if request.method == "POST":
        status = 422
        try:
            if "country-submit" in request.form and country_form.validate():
                reference_services.add_country(
                    iso2=country_form.iso2.data, name_en=country_form.name_en.data,
                    name_fr=country_form.name_fr.data, name_ar=country_form.name_ar.data,
                    currency=(country_form.currency.data or "").upper() or None,
                    hosts_projects=country_form.hosts_projects.data, actor=current_user,
                )
                db.session.commit()
                flash(_("The country is added."), "success")
                return redirect(url_for("admin.reference"))
            if "region-submit" in request.form and region_form.validate():
                country = db.get_or_404(Country, region_form.country_id.data)
                reference_services.add_region(
                    country=country, iso_code=region_form.iso_code.data, name_en=region_form.name_en.data,
                    name_fr=region_form.name_fr.data, name_ar=region_form.name_ar.data,
                    capital=region_form.capital.data, population=region_form.population.data,
                    actor=current_user,
                )
                db.session.commit()
                flash(_("The region is added."), "success")
                return redirect(url_for("admin.reference"))
        except reference_services.ReferenceDataError as error:
            db.session.rollback()
            attach_error(country_form if "country-submit" in request.form else region_form, error)
    origin_countries = db.session.scalars(
        select(Country).where(Country.hosts_projects.is_(True)).order_by(Country.iso2)
    ).all()
    regions = db.session.scalars(
        select(Region).join(Country).options(joinedload(Region.country)).order_by(Region.iso_code)
    ).all()
    return render_template("admin/reference.html", country_form=country_form, region_form=region_form,
                           origin_countries=origin_countries, regions=regions,
                           hosts_form=HostsProjectsForm()), status


@bp.post("/reference/countries/<iso2>/hosts-projects")
def country_hosts_projects(iso2: str):
    country = db.session.scalar(select(Country).where(Country.iso2 == iso2.upper()[:2]))
    if country is None:
        abort(404)
    form = HostsProjectsForm()
    if form.validate_on_submit():
        reference_services.set_hosts_projects(country, hosts_projects=form.hosts_projects.data, actor=current_user)
        db.session.commit()
        flash(_("%(country)s is updated.", country=country.name), "success")
    return redirect(url_for("admin.reference"))


# Audit log -----------------------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():
    action = (request.args.get("action") or "").strip()[:80]
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    page = db.paginate(query, page=page_number(request.args), per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, action=action)


# Due-diligence checklist ---------------------------------------------------------------------------


@bp.route("/checklist", methods=["GET", "POST"])
def checklist():
    """The items a partner bank ticks before co-signing a listing."""
    form = ChecklistItemForm()
    status = 200
    if form.validate_on_submit():
        try:
            vetting.add_checklist_item(actor=current_user, code=form.code.data, label_en=form.label_en.data,
                                       label_fr=form.label_fr.data, label_ar=form.label_ar.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("The checklist item is added."), "success")
            return redirect(url_for("admin.checklist"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/checklist.html", items=vetting.all_checklist_items(), form=form,
                           confirm_form=ConfirmForm()), status


@bp.post("/checklist/<int(max=2147483647):item_id>/active")
def checklist_item_active(item_id: int):
    item = db.get_or_404(DueDiligenceItem, item_id)
    if ConfirmForm().validate_on_submit():
        vetting.set_checklist_item_active(item, actor=current_user, active=request.form.get("active") == "1")
        db.session.commit()
        flash(_("The checklist is updated."), "success")
    return redirect(url_for("admin.checklist"))
