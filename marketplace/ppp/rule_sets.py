"""Programme rule sets: loaded from data, then published and corrected by admins.

A changed rule is a new version, so existing ones are kept; a version that approved projects are bound to
never changes again, and two versions of one programme are never in force on the same day.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.ppp.models import RuleSet
from marketplace.ppp.params import RuleParamsError, parse_params
from marketplace.programmes.models import Programme

RULES_FILE = Path(__file__).resolve().parent.parent / "reference" / "data" / "programme_rules.json"


def load_rule_sets(path: Path = RULES_FILE) -> int:
    """Insert the rule sets whose programme exists and whose version is new; return how many were added.

    Programmes are created by the demo seed or by an admin, possibly after reference data is loaded, so
    a rule set of a missing programme is skipped now and picked up by a later run.
    """
    programmes = dict(db.session.execute(select(Programme.code, Programme.id)).all())
    existing = set(db.session.execute(select(RuleSet.programme_id, RuleSet.version)).all())
    added = 0
    for row in json.loads(path.read_text(encoding="utf-8")):
        programme_id = programmes.get(row["programme"])
        if programme_id is None or (programme_id, row["version"]) in existing:
            continue
        parse_params(row["params"])  # refuse a malformed file before anything relies on it
        db.session.add(RuleSet(
            programme_id=programme_id, version=row["version"], params=row["params"],
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
        ))
        existing.add((programme_id, row["version"]))
        added += 1
    db.session.flush()
    return added


def rule_sets_by_programme() -> list[tuple[Programme, list[RuleSet], dict[int, int]]]:
    """Every programme with its versions (newest first) and how many plans each version binds; three statements."""
    from sqlalchemy import func

    from marketplace.ppp.models import FinancingPlan

    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    versions = db.session.scalars(select(RuleSet).order_by(RuleSet.valid_from.desc(), RuleSet.id.desc())).all()
    bound = dict(db.session.execute(select(FinancingPlan.rule_set_id, func.count()).where(
        FinancingPlan.rule_set_id.is_not(None)).group_by(FinancingPlan.rule_set_id)).all())
    return [(p, [v for v in versions if v.programme_id == p.id], bound) for p in programmes]


def create_rule_set(actor, programme: Programme, *, version: str, valid_from: date | None, valid_to: date | None,
                    params_text: str) -> RuleSet:
    """Publish a new version of a programme's rules; the open version it follows is closed the day it starts.

    Projects already approved keep the version they were bound to: rules never change under them.
    """
    _require_admin(actor)
    version, params = _checked(version, valid_from, valid_to, params_text)
    if db.session.scalar(select(RuleSet.id).where(RuleSet.programme_id == programme.id,
                                                  RuleSet.version == version)) is not None:
        raise ConflictError(_("%(programme)s already has a version “%(version)s”.", programme=programme.name,
                              version=version), field="version")
    others = db.session.scalars(select(RuleSet).where(RuleSet.programme_id == programme.id)
                                .with_for_update()).all()
    for other in others:
        if other.valid_to is None and other.valid_from < valid_from:
            before = {"valid_to": None}
            other.valid_to = valid_from  # the open version ends where the new one starts
            record("ppp.rule_set_closed", actor=actor, object_type="rule_set", object_id=other.id, before=before,
                   after={"valid_to": valid_from, "followed_by": version})
        elif _overlaps(other, valid_from, valid_to):
            raise ConflictError(_("Version %(other)s is already in force over part of these dates.",
                                  other=other.version), field="valid_from")
    rule_set = RuleSet(programme_id=programme.id, version=version, valid_from=valid_from, valid_to=valid_to,
                       params=params)
    db.session.add(rule_set)
    db.session.flush()
    record("ppp.rule_set_created", actor=actor, object_type="rule_set", object_id=rule_set.id,
           after={"programme": programme.code, "version": version, "valid_from": valid_from, "valid_to": valid_to,
                  "params": params})
    return rule_set


def update_rule_set(actor, rule_set: RuleSet, *, valid_to: date | None, params_text: str) -> RuleSet:
    """Correct a version no plan is bound to yet; a bound version is history and only a new version replaces it."""
    from marketplace.ppp.models import FinancingPlan

    _require_admin(actor)
    if db.session.scalar(select(FinancingPlan.id).where(FinancingPlan.rule_set_id == rule_set.id).limit(1)):
        raise ConflictError(_("Approved projects are bound to this version, so it cannot change; publish a new "
                              "version instead."))
    _version, params = _checked(rule_set.version, rule_set.valid_from, valid_to, params_text)
    for other in db.session.scalars(select(RuleSet).where(RuleSet.programme_id == rule_set.programme_id,
                                                          RuleSet.id != rule_set.id)):
        if _overlaps(other, rule_set.valid_from, valid_to):
            raise ConflictError(_("Version %(other)s is already in force over part of these dates.",
                                  other=other.version), field="valid_to")
    before = {"valid_to": rule_set.valid_to, "params": rule_set.params}
    rule_set.valid_to, rule_set.params = valid_to, params
    db.session.flush()
    record("ppp.rule_set_updated", actor=actor, object_type="rule_set", object_id=rule_set.id, before=before,
           after={"valid_to": valid_to, "params": params})
    return rule_set


def _checked(version: str, valid_from: date | None, valid_to: date | None, params_text: str) -> tuple[str, dict]:
    """The version label and the parameters, checked as the loader checks the data file; the field at fault."""
    version = (version or "").strip()
    if not version or len(version) > 20:
        raise DomainError(_("Name the version in at most 20 characters, such as v2027."), field="version")
    if valid_from is None:
        raise DomainError(_("Give the first day the version applies."), field="valid_from")
    if valid_to is not None and valid_to <= valid_from:
        raise DomainError(_("The version must end after it starts."), field="valid_to")
    try:
        params = json.loads(params_text or "")
    except json.JSONDecodeError as error:
        raise DomainError(_("The rules are not valid JSON (line %(line)d, column %(column)d).",
                            line=error.lineno, column=error.colno), field="params") from None
    if not isinstance(params, dict):
        raise DomainError(_("The rules must be a JSON object of named parameters."), field="params")
    try:
        parse_params(params)
    except RuleParamsError as error:
        raise DomainError(error.message, field="params") from None
    return version, params


def _overlaps(other: RuleSet, starts: date, ends: date | None) -> bool:
    other_ends = other.valid_to or date.max
    return other.valid_from < (ends or date.max) and starts < other_ends


def _require_admin(actor) -> None:
    if not getattr(actor, "is_admin", False):
        raise ForbiddenError(_("Only administrators change programme rules."))
