"""Turning a service's DomainError into errors shown on the form that caused it."""

import re
from collections.abc import Callable

from flask import flash
from flask_wtf import FlaskForm

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.money import MoneyError, to_minor


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show the message next to the field at fault, or above the form when no field is named."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


MAX_PAGE = 10_000


def page_number(args) -> int:
    """The `page` query argument as a number from 1 to 10,000; anything else means page 1."""
    raw = (args.get("page") or "1").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_PAGE else 1


def commit_or_attach(form: FlaskForm, action: Callable[[], object]) -> bool:
    """Run one service call for a form: commit and return True, or roll back, show the refusal on the form
    (on its field when the service names one) and return False, so the view re-renders it with nothing written."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return False
    db.session.commit()
    return True


def apply_and_report(action: Callable[[], object], success: str) -> bool:
    """Run one service call for a POST button: commit and flash `success`, or roll back and flash the refusal."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


# A plain amount: digits and at most one decimal point; no exponent, NaN, sign games or separators.
AMOUNT_PATTERN = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,4})?")
SPACES = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, ",": "."})


def amount_in_minor(field, currency: str) -> int | None:
    """A form field's money amount in minor units, or None with an error on the field (5000, 5 000,50 …)."""
    from flask_babel import gettext as _

    raw = (field.data or "").strip().translate(SPACES)
    try:
        if not AMOUNT_PATTERN.fullmatch(raw):
            raise MoneyError("not a plain amount")
        value = to_minor(raw, currency)
    except MoneyError:
        field.errors = [*field.errors, _("Enter an amount such as 5000 or 5000.50.")]
        return None
    if value <= 0:
        field.errors = [*field.errors, _("Enter an amount greater than zero.")]
        return None
    return value
