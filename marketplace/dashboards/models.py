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

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
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



class CapitalCell(db.Model):
    """Active pledges to one project from one residence country in one month, and their distinct investors.

    The investor counts are exact within the cell; a group of cells (a sector, a corridor) sums them, which
    counts an investor once per project, residence and month they pledged in.
    """

    __tablename__ = "dashboard_capital_cells"
    __table_args__ = (
        CheckConstraint("pledges > 0", name="has_active_pledges"),
        # Each CHECK also holds for the delta row an upsert proposes (a new pledge from an investor already
        # counted in the cell adds a pledge and no investor), which SQLite checks before resolving the conflict.
        CheckConstraint("investors >= 0 AND investors <= pledges", name="investors_within_pledges"),
        CheckConstraint("committed_investors >= 0 AND committed_investors <= committed_pledges",
                        name="committed_investors_within"),
        CheckConstraint("paid_investors >= 0 AND paid_investors <= paid_pledges", name="paid_investors_within"),
        CheckConstraint("committed_pledges >= 0 AND committed_pledges <= pledges", name="committed_within_active"),
        CheckConstraint("paid_pledges >= 0 AND paid_pledges <= committed_pledges", name="paid_within_committed"),
        CheckConstraint("pledged_minor >= committed_minor AND committed_minor >= collected_minor "
                        "AND collected_minor >= 0", name="buckets_nested"),
        Index("ix_dashboard_capital_cells_month", "month"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    origin_country_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    pledges: Mapped[int] = mapped_column(Integer)
    committed_pledges: Mapped[int] = mapped_column(Integer)
    paid_pledges: Mapped[int] = mapped_column(Integer)
    investors: Mapped[int] = mapped_column(Integer)
    committed_investors: Mapped[int] = mapped_column(Integer)
    paid_investors: Mapped[int] = mapped_column(Integer)
    pledged_minor: Mapped[int] = mapped_column(BigInteger)
    committed_minor: Mapped[int] = mapped_column(BigInteger)
    collected_minor: Mapped[int] = mapped_column(BigInteger)
