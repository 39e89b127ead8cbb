"""Read side of listings: the public catalogue, the vetting queues, a project page, an organisation's list.

The catalogue is one statement (the total comes from a window function, related names from joins), so
its cost does not grow with the number of projects on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.projects.access import CATALOGUE_STATUSES, bank_organisation_ids, reviewer_country_ids
from marketplace.projects.models import (
    INSTRUMENTS,
    DueDiligenceReview,
    Project,
    ProjectDocument,
    ProjectPhoto,
    ProjectQuestion,
    ProjectSdg,
    ProjectTransition,
    ProjectUpdate,
)
from marketplace.reference.queries import reference_ids

SORTS = ("newest", "closing", "funded", "target")
STATES = ("open", "closing_soon", "fully_pledged", "upcoming")
CLOSING_SOON_DAYS = 14
PER_PAGE = 12


@dataclass
class CatalogueQuery:
    """Validated catalogue parameters; unknown values are dropped rather than erroring."""

    country: str = ""
    region: str = ""
    sector: str = ""
    instrument: str = ""
    programme: str = ""
    sdg: int | None = None
    state: str = ""
    q: str = ""
    sort: str = "newest"
    page: int = 1
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> CatalogueQuery:
        def text(name, length=40):
            return (args.get(name) or "").strip()[:length]

        sdg = args.get("sdg", "")
        page = args.get("page", "1")
        return cls(
            country=text("country", 2).upper(),
            region=text("region", 10).upper(),
            sector=text("sector", 10).upper(),
            instrument=text("instrument") if text("instrument") in INSTRUMENTS else "",
            programme=text("programme", 20).upper(),
            sdg=int(sdg) if sdg.isdigit() and 1 <= int(sdg) <= 17 else None,
            state=text("state") if text("state") in STATES else "",
            q=text("q", 200),
            sort=text("sort") if text("sort") in SORTS else "newest",
            page=int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1,
        )

    def as_args(self, **changes) -> dict:
        values = {"country": self.country, "region": self.region, "sector": self.sector,
                  "instrument": self.instrument, "programme": self.programme, "sdg": self.sdg or "",
                  "state": self.state, "q": self.q, "sort": self.sort if self.sort != "newest" else "",
                  "page": self.page if self.page > 1 else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def _search_clause(q: str):
    if db.engine.dialect.name == "postgresql":
        # projects.search_vector is a stored generated tsvector with a GIN index (PostgreSQL only, see
        # migration 0003): matching never re-parses the text, even when a word is in every listing.
        document = literal_column("projects.search_vector")
        return document.op("@@")(func.websearch_to_tsquery(literal_column("'simple'"), q))
    terms = [t for t in q.lower().split() if t][:8]
    return and_(*[
        or_(func.lower(Project.title).contains(t, autoescape=True),
            func.lower(Project.summary).contains(t, autoescape=True),
            func.lower(Project.description).contains(t, autoescape=True))
        for t in terms
    ])


def _catalogue_filters(query: CatalogueQuery, today: date) -> list:
    """WHERE clauses for the catalogue; filter codes become literal ids so the planner can estimate them."""
    clauses = [Project.status.in_(CATALOGUE_STATUSES)]
    ids = reference_ids()
    for code, kind, column in ((query.country, "countries", Project.country_id),
                               (query.region, "regions", Project.region_id),
                               (query.sector, "sectors", Project.sector_id),
                               (query.programme, "programmes", Project.programme_id)):
        if code:
            # An unknown code matches nothing (id 0 never exists) rather than being ignored.
            clauses.append(column == ids[kind].get(code, 0))
    if query.instrument:
        clauses.append(Project.instrument == query.instrument)
    if query.sdg:
        clauses.append(exists().where(ProjectSdg.project_id == Project.id, ProjectSdg.goal == query.sdg))
    if query.state == "open":
        clauses += [Project.campaign_starts_on <= today, Project.campaign_ends_on >= today,
                    Project.pledged_minor < Project.target_minor]
    elif query.state == "closing_soon":
        clauses += [Project.campaign_ends_on >= today,
                    Project.campaign_ends_on <= today + timedelta(days=CLOSING_SOON_DAYS)]
    elif query.state == "fully_pledged":
        clauses.append(Project.pledged_minor >= Project.target_minor)
    elif query.state == "upcoming":
        clauses.append(Project.campaign_starts_on > today)
    if query.q:
        clauses.append(_search_clause(query.q))
    return clauses


def catalogue(query: CatalogueQuery, *, today: date) -> tuple[list[tuple[Project, int | None]], int]:
    """Published projects matching the filters (each with its first photo's id), one page, and the total.

    Two statements whatever the data size: a count that composite (status, filter) indexes answer
    without reading the wide rows, and the page, whose sort stops after one page and whose joins
    and photo look-ups touch only that page's rows.
    """
    clauses = _catalogue_filters(query, today)
    total = db.session.scalar(select(func.count()).select_from(Project).where(*clauses))
    offset = (query.page - 1) * PER_PAGE
    if total <= offset:
        return [], total
    order = {
        "newest": [Project.published_at.desc(), Project.id.desc()],
        "closing": [Project.campaign_ends_on.asc(), Project.id],
        "funded": [(Project.pledged_minor * 1.0 / Project.target_minor).desc(), Project.id],
        "target": [Project.target_minor.desc(), Project.id],
    }[query.sort]
    page = select(Project.id).where(*clauses).order_by(*order).limit(PER_PAGE).offset(offset).subquery()
    first_photo = (select(func.min(ProjectPhoto.id)).where(ProjectPhoto.project_id == Project.id)
                   .correlate(Project).scalar_subquery().label("photo_id"))
    rows = db.session.execute(
        select(Project, first_photo)
        .join(page, page.c.id == Project.id)
        .options(joinedload(Project.region), joinedload(Project.sector), joinedload(Project.country),
                 joinedload(Project.organisation))
        .order_by(*order)
    ).unique().all()
    return [(row[0], row.photo_id) for row in rows], total


def project_for_page(project_id: int) -> Project | None:
    return db.session.scalar(
        select(Project).where(Project.id == project_id).options(
            joinedload(Project.region), joinedload(Project.sector), joinedload(Project.country),
            joinedload(Project.organisation), joinedload(Project.partner_bank), joinedload(Project.programme),
        )
    )


@dataclass
class ProjectPage:
    photos: list
    documents: list
    updates: list
    questions: list
    transitions: list


def project_page_data(project: Project, *, include_private: bool) -> ProjectPage:
    """Everything around a listing, in a fixed number of statements."""
    documents = select(ProjectDocument).where(ProjectDocument.project_id == project.id)
    if not include_private:
        documents = documents.where(ProjectDocument.is_public.is_(True))
    transitions = []
    if include_private:
        transitions = list(db.session.scalars(
            select(ProjectTransition).where(ProjectTransition.project_id == project.id)
            .options(joinedload(ProjectTransition.actor)).order_by(ProjectTransition.id.desc())
        ))
    return ProjectPage(
        photos=list(db.session.scalars(select(ProjectPhoto).where(ProjectPhoto.project_id == project.id)
                                       .order_by(ProjectPhoto.position))),
        documents=list(db.session.scalars(documents.order_by(ProjectDocument.id))),
        updates=list(db.session.scalars(select(ProjectUpdate).where(ProjectUpdate.project_id == project.id)
                                        .order_by(ProjectUpdate.created_at.desc()))),
        questions=list(db.session.scalars(select(ProjectQuestion).where(ProjectQuestion.project_id == project.id)
                                          .order_by(ProjectQuestion.created_at.desc()))),
        transitions=transitions,
    )


def review_queue(user) -> list[Project]:
    """Listings waiting for an authority of the reviewer's country, oldest submission first."""
    countries = reviewer_country_ids(user)
    if user.is_admin:
        condition = Project.status.in_(("submitted", "in_review"))
    elif countries:
        condition = and_(Project.status.in_(("submitted", "in_review")), Project.country_id.in_(countries))
    else:
        return []
    return list(db.session.scalars(
        select(Project).where(condition)
        .options(joinedload(Project.organisation), joinedload(Project.partner_bank), joinedload(Project.region))
        .order_by(Project.submitted_at.asc())
    ))


def co_signed_project_ids(project_ids: list[int]) -> set[int]:
    """Which of these projects have a co-signed checklist for their current version."""
    if not project_ids:
        return set()
    return set(db.session.scalars(
        select(Project.id).join(DueDiligenceReview, and_(
            DueDiligenceReview.project_id == Project.id,
            DueDiligenceReview.version_number == Project.version_number))
        .where(Project.id.in_(project_ids), DueDiligenceReview.co_signed_at.is_not(None))
    ))


def bank_queue(user) -> list[Project]:
    banks = bank_organisation_ids(user)
    if not banks:
        return []
    return list(db.session.scalars(
        select(Project).where(Project.status.in_(("submitted", "in_review")), Project.partner_bank_id.in_(banks))
        .options(joinedload(Project.organisation), joinedload(Project.region))
        .order_by(Project.submitted_at.asc())
    ))


def organisation_projects(organisation_ids: set[int]) -> list[Project]:
    if not organisation_ids:
        return []
    return list(db.session.scalars(
        select(Project).where(Project.organisation_id.in_(organisation_ids))
        .options(joinedload(Project.region), joinedload(Project.organisation))
        .order_by(Project.updated_at.desc())
    ))
