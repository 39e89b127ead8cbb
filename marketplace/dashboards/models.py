"""The dashboards' summary table, kept in step with pledges in the same transaction (see `maintenance.py`).

One row per (project, investor's residence when pledging, month pledged, investor) with that investor's
active pledges there and their amounts in the project's currency. Amounts add up along any grouping of
project attributes, and the investor key makes distinct-investor counts exact (an investor who pledged to
two projects of one sector is one investor of that sector), which the privacy rule (never show a figure
that describes fewer than 5 investors) needs. A row whose investor has no active pledge left is deleted.
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
