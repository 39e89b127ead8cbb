"""The indicator catalogue: admins add and edit indicators; the reference set of b.6 loads from a JSON file."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.impact.models import AGGREGATIONS, DIMENSIONS, FRAMEWORKS, LEVELS, MEASURES, Indicator

DATA_FILE = Path(__file__).parent / "data" / "indicators.json"
CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{1,19}")
SDG_TARGET_PATTERN = re.compile(r"(1[0-7]|[1-9])\.([0-9]{1,2}|[a-z])(\.[0-9]{1,2})?")


@dataclass
class IndicatorInput:
    """What an admin enters for an indicator; checked whole by `_checked` before anything is written."""

    code: str
    framework: str
    name_en: str
    name_fr: str
    name_ar: str
    unit: str
    measure: str = "unit"
    is_ascending: bool = True
    aggregation: str = "sum"
    level: str = "outcome"
    disaggregations: list[str] = field(default_factory=list)
    sdg_targets: list[str] = field(default_factory=list)
    definition_url: str | None = None
    is_active: bool = True


def indicators(*, active_only: bool = False) -> list[Indicator]:
    """The catalogue by framework then code, in one statement."""
    query = select(Indicator).order_by(Indicator.framework, Indicator.code)
    if active_only:
        query = query.where(Indicator.is_active.is_(True))
    return list(db.session.scalars(query))


def create_indicator(actor, data: IndicatorInput) -> Indicator:
    """Add an indicator to the catalogue (admins only); a code already used is refused."""
    _require_admin(actor)
    values = _checked(data)
    if db.session.scalar(select(Indicator.id).where(Indicator.code == values["code"])):
        raise ConflictError(_("The code %(code)s is already in the catalogue.", code=values["code"]), field="code")
    indicator = Indicator(**values)
    db.session.add(indicator)
    db.session.flush()
    record("impact.indicator_created", actor=actor, object_type="impact_indicator", object_id=indicator.id,
           after=values)
    return indicator


def update_indicator(actor, indicator: Indicator, data: IndicatorInput) -> Indicator:
    """Change an indicator; its code and measure stay once projects use it, so stored values keep their meaning."""
    _require_admin(actor)
    values = _checked(data)
    before = snapshot(indicator)
    if values["code"] != indicator.code or values["measure"] != indicator.measure:
        from marketplace.impact.models import ProjectIndicator

        if db.session.scalar(select(ProjectIndicator.id).where(ProjectIndicator.indicator_id == indicator.id)
                             .limit(1)):
            raise ConflictError(_("Projects use this indicator: its code and measure can no longer change."),
                                field="code" if values["code"] != indicator.code else "measure")
        if values["code"] != indicator.code and db.session.scalar(
                select(Indicator.id).where(Indicator.code == values["code"])):
            raise ConflictError(_("The code %(code)s is already in the catalogue.", code=values["code"]),
                                field="code")
    for name, value in values.items():
        setattr(indicator, name, value)
    db.session.flush()
    record("impact.indicator_updated", actor=actor, object_type="impact_indicator", object_id=indicator.id,
           before=before, after=values)
    return indicator


def load_indicator_catalogue() -> int:
    """Insert the reference indicators (domain-facts b.6) that are missing; never overwrite an admin's edits."""
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["indicators"]
    existing = set(db.session.scalars(select(Indicator.code)))
    added = 0
    for row in rows:
        if row["code"] in existing:
            continue
        values = _checked(IndicatorInput(**row))
        db.session.add(Indicator(**values))
        added += 1
    db.session.flush()
    return added


def snapshot(indicator: Indicator) -> dict:
    return {name: getattr(indicator, name) for name in IndicatorInput.__dataclass_fields__}


def _require_admin(actor) -> None:
    if actor is not None and not actor.is_admin:
        raise ForbiddenError(_("Only administrators edit the indicator catalogue."))


def _checked(data: IndicatorInput) -> dict:
    """The input as column values, or DomainError on the first field at fault."""
    values = asdict(data)
    values["code"] = (data.code or "").strip().upper()
    if not CODE_PATTERN.fullmatch(values["code"]):
        raise DomainError(_("A code is 2 to 20 capital letters, digits, dots or dashes, such as PI3687 or DIA-01."),
                          field="code")
    for name, known in (("framework", FRAMEWORKS), ("measure", MEASURES), ("aggregation", AGGREGATIONS),
                        ("level", LEVELS)):
        if values[name] not in known:
            raise DomainError(_("Choose one of the listed values."), field=name)
    for name in ("name_en", "name_fr", "name_ar", "unit"):
        values[name] = (values[name] or "").strip()
        if not values[name]:
            raise DomainError(_("This field is required."), field=name)
    unknown = set(values["disaggregations"] or ()) - set(DIMENSIONS)
    if unknown:
        raise DomainError(_("Unknown disaggregation: %(names)s.", names=", ".join(sorted(unknown))),
                          field="disaggregations")
    values["disaggregations"] = [name for name in DIMENSIONS if name in set(values["disaggregations"] or ())]
    if values["disaggregations"] and values["measure"] not in {"unit", "currency"}:
        raise DomainError(_("Only counts and amounts can be split into parts that add up."),
                          field="disaggregations")
    targets = [t.strip() for t in values["sdg_targets"] or () if t and t.strip()]
    wrong = [t for t in targets if not SDG_TARGET_PATTERN.fullmatch(t)]
    if wrong:
        raise DomainError(_("SDG targets look like 8.5 or 10.c: %(wrong)s is not one.", wrong=", ".join(wrong)),
                          field="sdg_targets")
    values["sdg_targets"] = list(dict.fromkeys(targets))
    url = (values["definition_url"] or "").strip() or None
    if url is not None and not re.fullmatch(r"https?://\S{3,240}", url):
        raise DomainError(_("Give the definition's web address, starting with https://."), field="definition_url")
    values["definition_url"] = url
    values["is_ascending"] = bool(values["is_ascending"])
    values["is_active"] = bool(values["is_active"])
    return values
