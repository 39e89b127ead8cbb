"""Projects and everything attached to a listing: versions, transitions, checklists, documents, updates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.models_common import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.organisations.models import Organisation
    from marketplace.programmes.models import Programme
    from marketplace.reference.models import Country, Region, Sector

INSTRUMENTS = {
    "equity": _l("Equity"),
    "loan": _l("Loan"),
    "revenue_share": _l("Revenue share"),
    "donation": _l("Donation"),
}
FUNDING_RULES = {"all_or_nothing": _l("All or nothing"), "flexible": _l("Flexible")}
STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "published": _l("Published"),
    "suspended": _l("Suspended"),
    "cancelled": _l("Cancelled"),
    # Reached through the pledges and PPP features; listed here so the data model is complete.
    "funded": _l("Funded"),
    "failed": _l("Not funded"),
    "in_implementation": _l("In implementation"),
    "completed": _l("Completed"),
}
DOCUMENT_KINDS = {
    "kiis": _l("Key investment information sheet"),
    "feasibility": _l("Feasibility study"),
    "bank_letter": _l("Bank letter"),
    "business_plan": _l("Business plan"),
    "agreement": _l("Partnership agreement"),
    "evidence": _l("Evidence for a milestone or disbursement"),
    "other": _l("Other document"),
}
SDG_GOALS = range(1, 18)
SDG_NAMES = {
    1: _l("No poverty"), 2: _l("Zero hunger"), 3: _l("Good health and well-being"), 4: _l("Quality education"),
    5: _l("Gender equality"), 6: _l("Clean water and sanitation"), 7: _l("Affordable and clean energy"),
    8: _l("Decent work and economic growth"), 9: _l("Industry, innovation and infrastructure"),
    10: _l("Reduced inequalities"), 11: _l("Sustainable cities and communities"),
    12: _l("Responsible consumption and production"), 13: _l("Climate action"), 14: _l("Life below water"),
    15: _l("Life on land"), 16: _l("Peace, justice and strong institutions"), 17: _l("Partnerships for the goals"),
}



class Project(db.Model):
    """A listing by one organisation; amounts are integer minor units of `currency`."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        CheckConstraint(one_of("instrument", INSTRUMENTS), name="instrument_known"),
        CheckConstraint(one_of("funding_rule", FUNDING_RULES), name="funding_rule_known"),
        CheckConstraint("target_minor > 0", name="target_positive"),
        CheckConstraint("min_ticket_minor > 0 AND min_ticket_minor <= target_minor", name="min_ticket_in_range"),
        CheckConstraint("pledged_minor >= 0", name="pledged_not_negative"),
        # The backstop of the conditional UPDATE in pledges/capacity.py: never more than the capacity.
        CheckConstraint("pledged_minor <= COALESCE(oversubscription_cap_minor, target_minor)",
                        name="pledged_within_capacity"),
        CheckConstraint("oversubscription_cap_minor IS NULL OR (funding_rule = 'flexible' AND "
                        "oversubscription_cap_minor >= target_minor)", name="oversubscription_flexible_only"),
        CheckConstraint("campaign_ends_on > campaign_starts_on", name="campaign_dates_ordered"),
        CheckConstraint("expected_jobs IS NULL OR expected_jobs >= 0", name="jobs_not_negative"),
        Index("ix_projects_status_published_at", "status", "published_at"),
        Index("ix_projects_status_campaign_ends_on", "status", "campaign_ends_on"),
        # The catalogue counts matches per filter from these alone (index-only scans on PostgreSQL).
        Index("ix_projects_status_country_id", "status", "country_id"),
        Index("ix_projects_status_region_id", "status", "region_id"),
        Index("ix_projects_status_sector_id", "status", "sector_id"),
        Index("ix_projects_status_instrument", "status", "instrument"),
        Index("ix_projects_status_programme_id", "status", "programme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_bank_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600))
    description: Mapped[str] = mapped_column(Text)
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sectors.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(20), index=True)
    funding_rule: Mapped[str] = mapped_column(String(20), default="all_or_nothing")
    currency: Mapped[str] = mapped_column(String(3))
    target_minor: Mapped[int] = mapped_column(BigInteger)
    min_ticket_minor: Mapped[int] = mapped_column(BigInteger)
    # Sum of the amounts of active pledges (offered, committed, collecting, paid): the reserved capacity.
    pledged_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Flexible campaigns only: the owner may accept pledges past the target up to this amount.
    oversubscription_cap_minor: Mapped[int | None] = mapped_column(BigInteger)
    investor_count: Mapped[int] = mapped_column(Integer, default=0)
    campaign_starts_on: Mapped[date] = mapped_column(Date)
    campaign_ends_on: Mapped[date] = mapped_column(Date)
    risks: Mapped[str] = mapped_column(Text, default="")
    expected_jobs: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    needs_reconfirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    version_number: Mapped[int] = mapped_column(Integer, default=0)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    early_close_noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    partner_bank: Mapped[Organisation | None] = relationship(foreign_keys=[partner_bank_id])
    country: Mapped[Country] = relationship()
    region: Mapped[Region] = relationship()
    sector: Mapped[Sector] = relationship()
    programme: Mapped[Programme | None] = relationship()
    sdgs: Mapped[list[ProjectSdg]] = relationship(cascade="all, delete-orphan", order_by="ProjectSdg.goal")

    @property
    def organisation_scope_ids(self) -> set[int]:
        """The owner edits; the partner bank sees the listing to vet it (vetting rules live in services)."""
        return {self.organisation_id}

    @property
    def sdg_goals(self) -> list[int]:
        return [s.goal for s in self.sdgs]

    def translated(self, field: str) -> str:
        """The field in the visitor's language when a translation exists, else in the original."""
        language = current_language()
        if language != self.language:
            value = (self.translations or {}).get(language, {}).get(field)
            if value:
                return value
        return getattr(self, field)

    def shown_language(self, field: str = "title") -> str:
        """The language the visitor actually reads for this field (for lang= and text direction)."""
        language = current_language()
        if language != self.language and (self.translations or {}).get(language, {}).get(field):
            return language
        return self.language

    @property
    def display_title(self) -> str:
        return self.translated("title")

    @property
    def display_summary(self) -> str:
        return self.translated("summary")

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.status])

    @property
    def instrument_label(self) -> str:
        return str(INSTRUMENTS[self.instrument])

    @property
    def funding_rule_label(self) -> str:
        return str(FUNDING_RULES[self.funding_rule])

    @property
    def capacity_minor(self) -> int:
        """The most that pledges may reserve: the target, or the over-subscription cap of a flexible campaign."""
        return self.oversubscription_cap_minor or self.target_minor

    @property
    def remaining_minor(self) -> int:
        return max(self.capacity_minor - self.pledged_minor, 0)

    @property
    def progress_percent(self) -> int:
        return min(100, int(self.pledged_minor * 100 // self.target_minor)) if self.target_minor else 0

    def days_left(self, today: date) -> int:
        return max(0, (self.campaign_ends_on - today).days)


class ProjectSdg(db.Model):
    """One Sustainable Development Goal (1–17) a project contributes to; indexed for the catalogue filter."""

    __tablename__ = "project_sdgs"
    __table_args__ = (CheckConstraint("goal BETWEEN 1 AND 17", name="goal_range"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    goal: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class ProjectVersion(db.Model):
    """The listing as it stood at a submission or a material edit; reviewers compare two of these."""

    __tablename__ = "project_versions"
    __table_args__ = (UniqueConstraint("project_id", "number", name="uq_project_versions_project_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(40))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectTransition(db.Model):
    """One step of the lifecycle with its actor and note; the owner reads reviewers' notes here."""

    __tablename__ = "project_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()


class DueDiligenceItem(db.Model):
    """A line of the bank's due-diligence checklist; admins add, reword, reorder or retire lines."""

    __tablename__ = "due_diligence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_en: Mapped[str] = mapped_column(String(300))
    label_fr: Mapped[str] = mapped_column(String(300))
    label_ar: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def label(self) -> str:
        return localized(self, "label")


class DueDiligenceReview(db.Model):
    """The partner bank's checklist for one version of a project, and its co-signature."""

    __tablename__ = "due_diligence_reviews"
    __table_args__ = (
        UniqueConstraint("project_id", "version_number", name="uq_due_diligence_reviews_project_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    bank_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    co_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    co_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    co_signed_by: Mapped[User | None] = relationship()

    @property
    def is_co_signed(self) -> bool:
        return self.co_signed_at is not None


class ProjectDocument(db.Model):
    """A PDF stored outside static/ under a random name; public ones are shown once the project is published."""

    __tablename__ = "project_documents"
    __table_args__ = (CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def kind_label(self) -> str:
        return str(DOCUMENT_KINDS[self.kind])


class ProjectPhoto(db.Model):
    """A photo re-encoded to JPEG on upload (no metadata, no active content), stored under a random name."""

    __tablename__ = "project_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    caption: Mapped[str] = mapped_column(String(200), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectUpdate(db.Model):
    """News posted by the owner organisation on a published project."""

    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectQuestion(db.Model):
    """A public question from a logged-in visitor, answered by the owner organisation."""

    __tablename__ = "project_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    asker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    asker: Mapped[User | None] = relationship(foreign_keys=[asker_id])
