"""Registration, log-in and log-out, profile, password change."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import reset, services
from marketplace.accounts.forms import (
    NONE_CHOICE,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from marketplace.accounts.models import ROLE_ADMIN, ROLE_AUTHORITY, ROLE_PARTNER
from marketplace.accounts.security import safe_next_path
from marketplace.core.forms import attach_error
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.i18n import current_language
from marketplace.reference.queries import country_choices, origin_region_choices

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _account_key() -> str:
    """Rate-limit key for failed log-ins against one account, whatever address they come from."""
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:255]


def _start_session(user, *, remember: bool) -> None:
    """A fresh session on log-in (no fixation); remember-me is refused to authorities and admins."""
    locale_choice = session.get("locale")
    session.clear()
    if locale_choice:
        session["locale"] = locale_choice
    privileged = bool(user.roles & {ROLE_ADMIN, ROLE_AUTHORITY})
    login_user(user, remember=remember and not privileged)


def landing_page(user) -> str:
    """Where each role starts its day: the admin area, the review queue, the listings, the catalogue."""
    roles = user.roles
    if ROLE_ADMIN in roles:
        return url_for("admin.index")
    if ROLE_AUTHORITY in roles:
        return url_for("vetting.review_queue")
    if ROLE_PARTNER in roles:
        return url_for("projects.mine")
    return url_for("projects.catalogue")


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Self-registration creates an investor account."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegistrationForm()
    form.residence_country_id.choices = [NONE_CHOICE, *country_choices()]
    if form.validate_on_submit():
        try:
            user = services.create_account(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                is_investor=True,
                locale=current_language(),
                residence_country_id=form.residence_country_id.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            _start_session(user, remember=False)
            flash(_("Welcome to Passerelle, %(name)s. Your investor account is ready.", name=user.display_name),
                  "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/register.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=lambda response: response.status_code != 302,
)
def login():
    """Log in with e-mail and password; failures are counted per address and per account."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next_path(request.args.get("next")) or landing_page(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_path(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next_path(form.next.data) or landing_page(user))
        db.session.rollback()
        form.form_errors.append(_("The e-mail address or password is not correct."))
    if request.method == "POST":
        return render_template("accounts/login.html", form=form), 401 if form.form_errors else 422
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Name, language, residence and origin: what investors and partners see of each other."""
    form = ProfileForm(obj=current_user)
    form.locale.choices = list(current_app.config["LANGUAGES"].items())
    form.residence_country_id.choices = [NONE_CHOICE, *country_choices()]
    form.origin_region_id.choices = [NONE_CHOICE, *origin_region_choices()]
    form.time_zone.choices = [("", _("Usual time of my country of residence")),
                              *[(z, z.replace("_", " ")) for z in sorted(services.available_time_zones())
                                if "/" in z and not z.startswith(("Etc/", "SystemV/"))]]
    if request.method == "GET":
        form.residence_country_id.data = current_user.residence_country_id or 0
        form.origin_region_id.data = current_user.origin_region_id or 0
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                actor=current_user,
                display_name=form.display_name.data,
                locale=form.locale.data,
                residence_country_id=form.residence_country_id.data or None,
                residence_city=(form.residence_city.data or "").strip() or None,
                origin_region_id=form.origin_region_id.data or None,
                time_zone=form.time_zone.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            with force_locale(current_user.locale):
                flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/profile.html", form=form, revoke_form=ConfirmForm()), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session of this account is signed out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, current_password=form.current_password.data,
                                     new_password=form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            _start_session(current_user._get_current_object(), remember=False)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


@bp.post("/sessions/revoke")
@login_required
def revoke_sessions():
    """Sign out every other device, keeping this one signed in."""
    form = ConfirmForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        services.end_other_sessions(user)
        db.session.commit()
        _start_session(user, remember=False)
        flash(_("All other devices are signed out."), "success")
    return redirect(url_for("accounts.profile"))


def _email_key() -> str:
    return "reset-account:" + (request.form.get("email") or "").strip().lower()[:255]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_email_key)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to choose a new password. "
                "The link works for one hour."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = reset.user_for_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.reset_password(user, form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 422 if request.method == "POST" else 200
