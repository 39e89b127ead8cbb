"""Impact tables: the indicator catalogue, each project's results framework and the values partners report.

The shape follows IATI's result element (indicator → baseline → period → target / actual with dimensions)
and Akvo RSR's update workflow, so the exports can write what is stored without reinterpreting it.
Numbers are exact: `ScaledDecimal` keeps four decimal places as a whole number, never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.i18n import localized
from marketplace.models_common import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.organisations.models import Organisation
    from marketplace.projects.models import Project

SCALE = 10_000  # four decimal places: enough for FTE fractions, MWh and centimes

FRAMEWORKS = {"iris_plus": _l("IRIS+"), "sdg": _l("SDG indicator"), "custom": _l("Custom")}
MEASURES = {"unit": _l("Unit"), "percentage": _l("Percentage"), "currency": _l("Currency"),
            "qualitative": _l("Qualitative")}
NUMERIC_MEASURES = frozenset({"unit", "percentage", "currency"})
# Parts of a total only make sense for quantities that add up.
ADDITIVE_MEASURES = frozenset({"unit", "currency"})
AGGREGATIONS = {"sum": _l("Sum of the periods"), "average": _l("Average of the periods"),
                "latest": _l("Latest period"), "maximum": _l("Highest period")}
LEVELS = {"output": _l("Output"), "outcome": _l("Outcome"), "impact": _l("Impact")}
DIMENSIONS = {"sex": _l("Sex"), "age_band": _l("Age band"), "region": _l("Region"),
              "urban_rural": _l("Urban or rural")}
# Fixed categories per dimension; regions are the ISO 3166-2 codes of the project's country.
CATEGORIES = {
    "sex": {"female": _l("Female"), "male": _l("Male")},
    "age_band": {"15-24": _l("15 to 24"), "25-34": _l("25 to 34"), "35+": _l("35 and over")},
    "urban_rural": {"urban": _l("Urban"), "rural": _l("Rural")},
}
VALUE_STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned"),
    "approved": _l("Approved, awaiting verification"),
    "verified": _l("Verified"),
}
EVIDENCE_KINDS = {"pdf": _l("PDF document"), "photo": _l("Photo")}


class ScaledDecimal(TypeDecorator):
    """An exact decimal with four places stored as a whole number of ten-thousandths.

    Why not Numeric: SQLite has no decimal type (SQLAlchemy warns and goes through floats); whole numbers are
    exact on SQLite and PostgreSQL alike, and SUM over them stays exact.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError("at most four decimal places are stored")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-4)


class Indicator(db.Model):
    """One indicator of the catalogue (IRIS+, SDG or custom): what is counted, in which unit, and how."""

    __tablename__ = "impact_indicators"
    __table_args__ = (
        CheckConstraint(one_of("framework", FRAMEWORKS), name="framework_known"),
        CheckConstraint(one_of("measure", MEASURES), name="measure_known"),
        CheckConstraint(one_of("aggregation", AGGREGATIONS), name="aggregation_known"),
        CheckConstraint(one_of("level", LEVELS), name="level_known"),
        CheckConstraint("code <> ''", name="code_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    framework: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    measure: Mapped[str] = mapped_column(String(20), default="unit")
    is_ascending: Mapped[bool] = mapped_column(Boolean, default=True)
    aggregation: Mapped[str] = mapped_column(String(20), default="sum")
    level: Mapped[str] = mapped_column(String(20), default="outcome")
    disaggregations: Mapped[list[str]] = mapped_column(JSON, default=list)
    sdg_targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    definition_url: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def name(self) -> str:
        return localized(self)

    @property
    def is_numeric(self) -> bool:
        return self.measure in NUMERIC_MEASURES

    @property
    def framework_label(self) -> str:
        return str(FRAMEWORKS.get(self.framework, self.framework))

    @property
    def measure_label(self) -> str:
        return str(MEASURES.get(self.measure, self.measure))

    @property
    def aggregation_label(self) -> str:
        return str(AGGREGATIONS.get(self.aggregation, self.aggregation))


class ResultsFramework(db.Model):
    """A project's results framework; confirmed by an authority reviewer before values can be reported."""

    __tablename__ = "impact_frameworks"
    __table_args__ = (
        CheckConstraint("(confirmed_at IS NULL) = (confirmed_by_id IS NULL)", name="confirmation_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    confirmed_by: Mapped[User | None] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ProjectIndicator(db.Model):
    """A catalogue indicator chosen for one project, with its baseline (IATI `baseline`)."""

    __tablename__ = "impact_project_indicators"
    __table_args__ = (
        UniqueConstraint("framework_id", "indicator_id"),
        CheckConstraint("baseline_value IS NOT NULL OR baseline_text IS NOT NULL", name="baseline_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("impact_frameworks.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("impact_indicators.id"), index=True)
    baseline_value: Mapped[Decimal | None] = mapped_column(ScaledDecimal())
    baseline_text: Mapped[str | None] = mapped_column(String(500))
    baseline_on: Mapped[date] = mapped_column(Date)
    baseline_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    framework: Mapped[ResultsFramework] = relationship()
    indicator: Mapped[Indicator] = relationship()


class ReportingPeriod(db.Model):
    """A period of the framework (IATI `period`): every indicator gets a target and at most one value in it."""

    __tablename__ = "impact_periods"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        UniqueConstraint("framework_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("impact_frameworks.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    framework: Mapped[ResultsFramework] = relationship()


class Target(db.Model):
    """The value an indicator should reach in a period (a number, or a sentence for qualitative ones)."""

    __tablename__ = "impact_targets"
    __table_args__ = (
        UniqueConstraint("project_indicator_id", "period_id"),
        CheckConstraint("value IS NOT NULL OR text IS NOT NULL", name="value_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_indicator_id: Mapped[int] = mapped_column(ForeignKey("impact_project_indicators.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("impact_periods.id"), index=True)
    value: Mapped[Decimal | None] = mapped_column(ScaledDecimal())
    text: Mapped[str | None] = mapped_column(String(500))


class ReportedValue(db.Model):
    """What a partner reports for one indicator and period, and how far it has come through verification.

    draft → submitted → returned → submitted → approved → verified. Only a value that was approved and then
    verified counts anywhere (`reporting.COUNTED_STATUSES`); the CHECKs keep the signatures consistent.
    """

    __tablename__ = "impact_reported_values"
    __table_args__ = (
        UniqueConstraint("project_indicator_id", "period_id"),
        CheckConstraint(one_of("status", VALUE_STATUSES), name="status_known"),
        CheckConstraint("value IS NOT NULL OR narrative IS NOT NULL", name="value_given"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
        CheckConstraint("status <> 'returned' OR return_note IS NOT NULL", name="returned_has_note"),
        CheckConstraint("status NOT IN ('approved', 'verified') OR (approved_at IS NOT NULL AND "
                        "approved_by_id IS NOT NULL)", name="approved_is_signed"),
        CheckConstraint("status <> 'verified' OR (verified_at IS NOT NULL AND verified_by_id IS NOT NULL)",
                        name="verified_is_signed"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> reported_by_id", name="no_self_approval"),
        CheckConstraint("verified_by_id IS NULL OR (verified_by_id <> reported_by_id AND "
                        "verified_by_id <> approved_by_id)", name="verifier_is_a_third_person"),
        Index("ix_impact_reported_values_status_period_id", "status", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_indicator_id: Mapped[int] = mapped_column(ForeignKey("impact_project_indicators.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("impact_periods.id"), index=True)
    value: Mapped[Decimal | None] = mapped_column(ScaledDecimal())
    narrative: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reporting_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_note: Mapped[str | None] = mapped_column(String(1000))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project_indicator: Mapped[ProjectIndicator] = relationship()
    period: Mapped[ReportingPeriod] = relationship()
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    reporting_organisation: Mapped[Organisation] = relationship()
    parts: Mapped[list[ValuePart]] = relationship(cascade="all, delete-orphan",
                                                  order_by="ValuePart.id")
    evidence: Mapped[list[Evidence]] = relationship(order_by="Evidence.id")

    @property
    def status_label(self) -> str:
        return str(VALUE_STATUSES.get(self.status, self.status))


class ValuePart(db.Model):
    """One category of a disaggregated value (IATI `dimension`): the parts of a dimension add up to the value."""

    __tablename__ = "impact_value_parts"
    __table_args__ = (
        UniqueConstraint("reported_value_id", "dimension", "category"),
        CheckConstraint(one_of("dimension", DIMENSIONS), name="dimension_known"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reported_value_id: Mapped[int] = mapped_column(ForeignKey("impact_reported_values.id", ondelete="CASCADE"),
                                                   index=True)
    dimension: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(ScaledDecimal())


class Evidence(db.Model):
    """A PDF or photo backing a reported value, checked by content and stored outside static/."""

    __tablename__ = "impact_evidence"
    __table_args__ = (CheckConstraint(one_of("kind", EVIDENCE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reported_value_id: Mapped[int] = mapped_column(ForeignKey("impact_reported_values.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def kind_label(self) -> str:
        return str(EVIDENCE_KINDS.get(self.kind, self.kind))


class ImpactPreference(db.Model):
    """A person's choices about the impact pages; for now whether "your share of the impact" is shown."""

    __tablename__ = "impact_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    shows_investor_share: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
