"""A member's organisations, and managers' handling of their organisation's members."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.forms import ConfirmForm
from marketplace.accounts.services import find_user_by_email
from marketplace.core.forms import apply_and_report, attach_error
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.organisations import services
from marketplace.organisations.forms import MembershipAddForm, MembershipRoleForm
from marketplace.organisations.models import Membership, Organisation
from marketplace.organisations.permissions import MANAGE, VIEW, authorize, can

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _organisation_or_404(organisation_id: int) -> Organisation:
    organisation = db.session.scalar(
        select(Organisation)
        .where(Organisation.id == organisation_id)
        .options(
            joinedload(Organisation.country),
            joinedload(Organisation.region),
            selectinload(Organisation.memberships).joinedload(Membership.user),
        )
    )
    if organisation is None:
        abort(404)
    return organisation


def _membership_or_404(organisation: Organisation, membership_id: int) -> Membership:
    membership = next((m for m in organisation.memberships if m.id == membership_id), None)
    if membership is None:
        abort(404)
    return membership


@bp.get("/")
@login_required
def mine():
    """The organisations the user belongs to, with their role in each."""
    return render_template("organisations/mine.html", memberships=current_user.memberships, form=ConfirmForm())


@bp.get("/<int(max=2147483647):organisation_id>")
@login_required
def show(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    authorize(current_user, VIEW, organisation)
    may_manage = can(current_user, MANAGE, organisation)
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        may_manage=may_manage,
        add_form=MembershipAddForm(),
        role_form=MembershipRoleForm(),
        confirm_form=ConfirmForm(),
    )


@bp.post("/<int(max=2147483647):organisation_id>/members")
@login_required
def add_member(organisation_id: int):
    """A manager (or admin) adds an existing account to the organisation."""
    organisation = _organisation_or_404(organisation_id)
    authorize(current_user, MANAGE, organisation)
    form = MembershipAddForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        try:
            if user is None:
                raise DomainError(_("No account uses this e-mail address. Ask the person to register first."),
                                  field="email")
            services.add_membership(actor=current_user, organisation=organisation, user=user, role=form.role.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s is now a member.", name=user.display_name), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        may_manage=True,
        add_form=form,
        role_form=MembershipRoleForm(),
        confirm_form=ConfirmForm(),
    ), 422


@bp.post("/<int(max=2147483647):organisation_id>/members/<int(max=2147483647):membership_id>/role")
@login_required
def change_role(organisation_id: int, membership_id: int):
    organisation = _organisation_or_404(organisation_id)
    authorize(current_user, MANAGE, organisation)
    membership = _membership_or_404(organisation, membership_id)
    form = MembershipRoleForm()
    if form.validate_on_submit():
        apply_and_report(lambda: services.change_membership_role(membership, actor=current_user,
                                                                 role=form.role.data), _("The role is changed."))
    else:
        flash(_("Choose a known role."), "error")
    return redirect(url_for("organisations.show", organisation_id=organisation.id))


@bp.post("/<int(max=2147483647):organisation_id>/members/<int(max=2147483647):membership_id>/remove")
@login_required
def remove_member(organisation_id: int, membership_id: int):
    organisation = _organisation_or_404(organisation_id)
    authorize(current_user, MANAGE, organisation)
    membership = _membership_or_404(organisation, membership_id)
    if ConfirmForm().validate_on_submit():
        apply_and_report(lambda: services.remove_membership(membership, actor=current_user),
                         _("The member is removed."))
    return redirect(url_for("organisations.show", organisation_id=organisation.id))


@bp.post("/<int(max=2147483647):organisation_id>/leave")
@login_required
def leave(organisation_id: int):
    """A member leaves an organisation they were added to (the last manager cannot)."""
    membership = next((m for m in current_user.memberships if m.organisation_id == organisation_id), None)
    if membership is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        apply_and_report(lambda: services.remove_membership(membership, actor=current_user),
                         _("You left the organisation."))
    return redirect(url_for("organisations.mine"))
