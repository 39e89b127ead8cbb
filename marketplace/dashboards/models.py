"""The dashboards' summary tables, kept in step with pledges in the same transaction (see `maintenance.py`).

`dashboard_capital_cells` is what the pages read: one row per (project, investor's residence when pledging,
month pledged) with its active pledges, their amounts in the project's currency and how many distinct
investors made them. Its size is bounded by projects x residence countries x months, whatever the number of
pledges, so a dashboard's cost does not grow with them.

`dashboard_capital_facts` is the same grain split by investor. Pages never scan it: it tells the
maintenance whether a pledge brings a new investor into its cell (or takes the last pledge of one away), and
it settles, for the few groups where the cells cannot, whether a figure describes fewer than 5 distinct
investors (the privacy rule). A row whose investor has no active pledge left is deleted.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db

# `origin_country_id` is 0 when the investor had no residence on record (a derived table: no foreign key,
# so that 0 can stand for "unknown" inside the primary key).
UNKNOWN_ORIGIN = 0


class CapitalFact(db.Model):
    """One investor's active pledges to one project in one month, by bucket (pledged ⊇ committed ⊇ collected)."""

    __tablename__ = "dashboard_capital_facts"
    __table_args__ = (
        CheckConstraint("pledges > 0", name="has_active_pledges"),
        CheckConstraint("committed_pledges >= 0 AND committed_pledges <= pledges", name="committed_within_active"),
        CheckConstraint("paid_pledges >= 0 AND paid_pledges <= committed_pledges", name="paid_within_committed"),
        CheckConstraint("pledged_minor >= committed_minor AND committed_minor >= collected_minor "
                        "AND collected_minor >= 0", name="buckets_nested"),
        Index("ix_dashboard_capital_facts_month", "month"),
        Index("ix_dashboard_capital_facts_investor_id", "investor_id"),
        # Settling privacy counts the committed or collected investors of a few groups: these read only the
        # rows that have some (the primary key already covers the count of all investors).
        *(Index(f"ix_dashboard_capital_facts_{name}", "project_id", "origin_country_id", "month", "investor_id",
                postgresql_where=text(f"{name}_pledges > 0"), sqlite_where=text(f"{name}_pledges > 0"))
          for name in ("committed", "paid")),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    origin_country_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM", UTC month of the offer
    investor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    pledges: Mapped[int] = mapped_column(Integer)
    committed_pledges: Mapped[int] = mapped_column(Integer)
    paid_pledges: Mapped[int] = mapped_column(Integer)
    pledged_minor: Mapped[int] = mapped_column(BigInteger)
    committed_minor: Mapped[int] = mapped_column(BigInteger)
    collected_minor: Mapped[int] = mapped_column(BigInteger)



class _CellMeasures:
    """Active pledges, their amounts in the project's currency and their distinct investors, by bucket."""

    pledges: Mapped[int] = mapped_column(Integer)
    committed_pledges: Mapped[int] = mapped_column(Integer)
    paid_pledges: Mapped[int] = mapped_column(Integer)
    investors: Mapped[int] = mapped_column(Integer)
    committed_investors: Mapped[int] = mapped_column(Integer)
    paid_investors: Mapped[int] = mapped_column(Integer)
    pledged_minor: Mapped[int] = mapped_column(BigInteger)
    committed_minor: Mapped[int] = mapped_column(BigInteger)
    collected_minor: Mapped[int] = mapped_column(BigInteger)


def _cell_checks() -> tuple:
    # Each CHECK also holds for the delta row an upsert proposes (a new pledge from an investor already
    # counted in the cell adds a pledge and no investor), which SQLite checks before resolving the conflict.
    return (
        CheckConstraint("pledges > 0", name="has_active_pledges"),
        CheckConstraint("investors >= 0 AND investors <= pledges", name="investors_within_pledges"),
        CheckConstraint("committed_investors >= 0 AND committed_investors <= committed_pledges",
                        name="committed_investors_within"),
        CheckConstraint("paid_investors >= 0 AND paid_investors <= paid_pledges", name="paid_investors_within"),
        CheckConstraint("committed_pledges >= 0 AND committed_pledges <= pledges", name="committed_within_active"),
        CheckConstraint("paid_pledges >= 0 AND paid_pledges <= committed_pledges", name="paid_within_committed"),
        CheckConstraint("pledged_minor >= committed_minor AND committed_minor >= collected_minor "
                        "AND collected_minor >= 0", name="buckets_nested"),
    )


class CapitalCell(_CellMeasures, db.Model):
    """Active pledges to one project from one residence country in one month, and their distinct investors.

    The investor counts are exact within the cell; a group of cells (a sector, a corridor) sums them, which
    counts an investor once per project, residence and month they pledged in.
    """

    __tablename__ = "dashboard_capital_cells"
    __table_args__ = (*_cell_checks(), Index("ix_dashboard_capital_cells_month", "month"))

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    origin_country_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)


class CapitalProjectMonth(_CellMeasures, db.Model):
    """The cells of one project and month added up over residences, with exact distinct investors.

    Every table but the corridor reads these rows: about a project's months, however many pledges there are.
    """

    __tablename__ = "dashboard_capital_project_months"
    __table_args__ = (*_cell_checks(), Index("ix_dashboard_capital_project_months_month", "month"))

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)


class CorridorSums(_CellMeasures, db.Model):
    """The cells added up by corridor: residence → region, month, project state and currency.

    The corridor table reads these few rows instead of the cells whenever its filters are about places,
    months and states (the usual case); a few thousand rows at most, whatever the number of projects and
    pledges. `investors` adds up the cells' investors, as everywhere; the exact distinct investors of the
    corridor's month are in `CorridorReach`.
    """

    __tablename__ = "dashboard_capital_corridor_sums"
    __table_args__ = _cell_checks()

    origin_country_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)


class CorridorReach(db.Model):
    """Distinct investors of one corridor in one month and project state, by bucket: what the privacy rule
    needs to tell a corridor of 5 people from one person's 5 pledges, kept from `CorridorMember`."""

    __tablename__ = "dashboard_capital_corridor_reach"
    __table_args__ = (
        CheckConstraint("investors >= 0 AND committed_investors >= 0 AND paid_investors >= 0",
                        name="counts_not_negative"),
    )

    origin_country_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    investors: Mapped[int] = mapped_column(Integer)
    committed_investors: Mapped[int] = mapped_column(Integer)
    paid_investors: Mapped[int] = mapped_column(Integer)


class CorridorMember(db.Model):
    """How many of an investor's fact rows (projects) fall in one corridor, month and state, by bucket; the
    corridor's reach changes only when one of these counts passes between 0 and 1."""

    __tablename__ = "dashboard_capital_corridor_members"
    __table_args__ = (
        CheckConstraint("cells > 0", name="has_cells"),
        CheckConstraint("committed_cells >= 0 AND committed_cells <= cells", name="committed_within"),
        CheckConstraint("paid_cells >= 0 AND paid_cells <= committed_cells", name="paid_within"),
    )

    origin_country_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    investor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    cells: Mapped[int] = mapped_column(Integer)
    committed_cells: Mapped[int] = mapped_column(Integer)
    paid_cells: Mapped[int] = mapped_column(Integer)
