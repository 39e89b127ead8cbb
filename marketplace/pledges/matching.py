"""Matchfunding: a partner's pool adds to each pledge at a ratio, within caps per pledge, per investor and
in total. Decided in the pledge's own transaction, after the project row is locked by the reservation;
the pool and the investor's allocation are then locked too, so concurrent pledges never overdraw them.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.pledges.models import MatchAllocation, MatchPool


def pool_for(project) -> MatchPool | None:
    """The open pool that matches pledges on this project: its own first, then its programme's."""
    scope = [MatchPool.project_id == project.id]
    if project.programme_id is not None:
        scope.append(MatchPool.programme_id == project.programme_id)
    pools = db.session.scalars(select(MatchPool).where(
        MatchPool.status == "open", MatchPool.currency == project.currency, or_(*scope),
        MatchPool.used_minor < MatchPool.total_minor).order_by(MatchPool.project_id.is_(None), MatchPool.id))
    return next(iter(pools), None)


def offered_match(pool: MatchPool, amount_minor: int, already_matched_minor: int) -> int:
    by_ratio = amount_minor * pool.ratio_percent // 100
    return max(0, min(by_ratio, pool.cap_per_pledge_minor, pool.cap_per_investor_minor - already_matched_minor,
                      pool.total_minor - pool.used_minor))


def _ensure_allocation(pool_id: int, investor_id: int) -> None:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(MatchAllocation).values(pool_id=pool_id, investor_id=investor_id, matched_minor=0)
                       .on_conflict_do_nothing(index_elements=["pool_id", "investor_id"]))


def allocate(project, investor_id: int, amount_minor: int) -> tuple[MatchPool | None, int]:
    """Take the match for one pledge out of the pool; (pool, amount) or (None, 0)."""
    pool = pool_for(project)
    if pool is None:
        return None, 0
    # One lock order everywhere (here and in give_back): the pool, then the investor's allocation.
    pool = db.session.scalar(select(MatchPool).where(MatchPool.id == pool.id).with_for_update()
                             .execution_options(populate_existing=True))
    _ensure_allocation(pool.id, investor_id)
    allocation = db.session.scalar(select(MatchAllocation).where(
        MatchAllocation.pool_id == pool.id, MatchAllocation.investor_id == investor_id)
        .with_for_update().execution_options(populate_existing=True))
    match = offered_match(pool, amount_minor, allocation.matched_minor)
    if match <= 0:
        return None, 0
    # Conditional as well as locked: on SQLite FOR UPDATE is a no-op, the single writer is the lock.
    moved = db.session.execute(update(MatchPool).where(
        MatchPool.id == pool.id, MatchPool.used_minor + match <= MatchPool.total_minor)
        .values(used_minor=MatchPool.used_minor + match).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        return None, 0
    db.session.execute(update(MatchAllocation).where(MatchAllocation.id == allocation.id)
                       .values(matched_minor=MatchAllocation.matched_minor + match)
                       .execution_options(synchronize_session=False))
    return pool, match


def give_back(pool_id: int, investor_id: int, match_minor: int) -> None:
    """Return a match to its pool when the pledge leaves the active states (revoked, released, lapsed…)."""
    if not match_minor:
        return
    pooled = db.session.execute(update(MatchPool).where(MatchPool.id == pool_id, MatchPool.used_minor >= match_minor)
                                .values(used_minor=MatchPool.used_minor - match_minor)
                                .execution_options(synchronize_session=False)).rowcount
    allocated = db.session.execute(update(MatchAllocation).where(
        MatchAllocation.pool_id == pool_id, MatchAllocation.investor_id == investor_id,
        MatchAllocation.matched_minor >= match_minor)
        .values(matched_minor=MatchAllocation.matched_minor - match_minor)
        .execution_options(synchronize_session=False)).rowcount
    if pooled != 1 or allocated != 1:
        raise RuntimeError(f"returning {match_minor} to pool {pool_id} would make its books negative")


def open_pool(actor, *, organisation, project, name: str, ratio_percent: int, cap_per_pledge_minor: int,
              cap_per_investor_minor: int, total_minor: int, whole_programme: bool = False) -> MatchPool:
    """A partner or authority the actor belongs to sets money aside to match pledges on a project, or on
    every project of the project's programme."""
    from flask_babel import gettext as _

    from marketplace.audit.services import record
    from marketplace.errors import ConflictError, DomainError, ForbiddenError

    if organisation.id not in {m.organisation_id for m in actor.memberships}:
        raise ForbiddenError(_("You can only open a pool for an organisation you belong to."))
    if organisation.id == project.organisation_id:
        raise ForbiddenError(_("A project's own organisation cannot match pledges to it."))
    programme_owner = project.programme is not None and project.programme.owner_organisation_id == organisation.id
    authority = organisation.is_authority and organisation.country_id == project.country_id
    if whole_programme and not (programme_owner or authority):
        raise ForbiddenError(_("Only the programme's owner or an authority of its country matches a whole "
                               "programme."))
    if not (programme_owner or authority or organisation.id == project.partner_bank_id):
        raise ForbiddenError(_("Matching pools are funded by the project's partner bank, its programme's owner or "
                               "an authority of its country."))
    if project.status not in {"approved", "published"}:
        raise ConflictError(_("Pools can be opened on approved or published projects only."))
    if min(cap_per_pledge_minor, cap_per_investor_minor, total_minor) <= 0:
        raise DomainError(_("Caps and total must be positive."), field="total")
    if whole_programme and project.programme_id is None:
        raise DomainError(_("This project belongs to no programme."), field="whole_programme")
    pool = MatchPool(name=name.strip(), organisation_id=organisation.id,
                     project_id=None if whole_programme else project.id,
                     programme_id=project.programme_id if whole_programme else None,
                     currency=project.currency, ratio_percent=ratio_percent, cap_per_pledge_minor=cap_per_pledge_minor,
                     cap_per_investor_minor=cap_per_investor_minor, total_minor=total_minor, created_by_id=actor.id)
    db.session.add(pool)
    db.session.flush()
    record("match_pool.open", actor=actor, object_type="match_pool", object_id=pool.id,
           after={"project_id": pool.project_id, "programme_id": pool.programme_id,
                  "organisation_id": organisation.id, "ratio_percent": ratio_percent,
                  "total_minor": total_minor, "currency": project.currency})
    return pool


def pools_on(project) -> list[MatchPool]:
    scope = [MatchPool.project_id == project.id]
    if project.programme_id is not None:
        scope.append(MatchPool.programme_id == project.programme_id)
    return list(db.session.scalars(select(MatchPool).where(or_(*scope)).options(joinedload(MatchPool.organisation))
                                   .order_by(MatchPool.id)))
