"""Account rules: registration, authentication, password and profile changes, activation.

Services take the acting user as an argument, flush but never commit, and raise DomainError.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User, new_session_token
from marketplace.accounts.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from marketplace.audit.services import record, snapshot
from marketplace.errors import ConflictError, DomainError
from marketplace.extensions import db
from marketplace.models_common import utcnow

PROFILE_FIELDS = ["display_name", "locale", "residence_country_id", "residence_city", "origin_region_id",
                  "time_zone"]


def normalise_email(email: str) -> str:
    """Lower-case the address and check its syntax (no network look-up)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise DomainError(_("Enter a valid e-mail address."), field="email") from None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def _check_password(password: str, *, email: str, display_name: str, field: str = "password") -> None:
    problems = password_problems(password, user_inputs=[email, email.split("@")[0], display_name])
    if problems:
        raise DomainError(" ".join(problems), field=field)


def create_account(
    *,
    email: str,
    password: str,
    display_name: str,
    actor=None,
    is_investor: bool = False,
    locale: str = "en",
    residence_country_id: int | None = None,
    residence_city: str | None = None,
    origin_region_id: int | None = None,
) -> User:
    """Create an account; refuses a taken e-mail or a weak password and records the creation."""
    email = normalise_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise DomainError(_("Enter your name."), field="display_name")
    if find_user_by_email(email) is not None:
        raise ConflictError(_("An account with this e-mail address already exists."), field="email")
    _check_password(password, email=email, display_name=display_name)
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        is_investor=is_investor,
        locale=locale,
        residence_country_id=residence_country_id,
        residence_city=(residence_city or "").strip() or None,
        origin_region_id=origin_region_id,
    )
    db.session.add(user)
    db.session.flush()
    record(
        "account.created",
        actor=actor or user,
        object_type="user",
        object_id=user.id,
        after={"email": user.email, "is_investor": is_investor, **snapshot(user, PROFILE_FIELDS)},
    )
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose e-mail and password match and whose account is active, else None.

    Unknown e-mails cost one hash verification too, so timing does not reveal which accounts exist.
    """
    user = find_user_by_email(email)
    if user is None:
        burn_verification_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Replace the password and rotate the session token, which ends every other session."""
    if not verify_password(user.password_hash, current_password):
        raise DomainError(_("Your current password is not correct."), field="current_password")
    if current_password == new_password:
        raise DomainError(_("Choose a password different from the current one."), field="new_password")
    set_new_password(user, new_password)
    record("account.password_changed", actor=user, object_type="user", object_id=user.id,
           note="all other sessions were signed out")


def set_new_password(user: User, new_password: str) -> None:
    """Check the policy, store the new hash and rotate the session token (every other session ends)."""
    _check_password(new_password, email=user.email, display_name=user.display_name, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    db.session.flush()


def end_other_sessions(user: User) -> None:
    """Sign out every other browser where this account is logged in (rotates the token)."""
    user.session_token = new_session_token()
    db.session.flush()
    record("account.sessions_revoked", actor=user, object_type="user", object_id=user.id)


def available_time_zones() -> set[str]:
    from zoneinfo import available_timezones

    return available_timezones()


def update_profile(user: User, *, actor: User, **changes) -> None:
    """Change profile fields (name, language, residence, origin); records before and after."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    if "display_name" in changes:
        changes["display_name"] = (changes["display_name"] or "").strip()
        if not changes["display_name"]:
            raise DomainError(_("Enter your name."), field="display_name")
    if changes.get("time_zone") and changes["time_zone"] not in available_time_zones():
        raise DomainError(_("Choose a time zone from the list."), field="time_zone")
    before = snapshot(user, PROFILE_FIELDS)
    for field, value in changes.items():
        setattr(user, field, value)
    after = snapshot(user, PROFILE_FIELDS)
    if before != after:
        db.session.flush()
        record("account.profile_updated", actor=actor, object_type="user", object_id=user.id,
               before=before, after=after)


def set_locale(user: User, locale: str) -> None:
    """Remember the interface language chosen in the switcher (a preference, not audited)."""
    user.locale = locale
    db.session.flush()


def set_active(user: User, *, active: bool, actor: User) -> None:
    """Suspend or reactivate an account; suspension also ends the account's sessions."""
    if user.id == actor.id and not active:
        raise DomainError(_("You cannot suspend your own account."))
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        user.session_token = new_session_token()
    db.session.flush()
    record("account.activated" if active else "account.suspended", actor=actor, object_type="user",
           object_id=user.id, before={"is_active": not active}, after={"is_active": active})
