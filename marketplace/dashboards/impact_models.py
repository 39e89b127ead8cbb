"""The impact dashboard's summary table, kept in step with verification in the same transaction.

One row per (project indicator, reporting period) of every numeric indicator in a confirmed results framework:
the period's target, its counted value (approved then verified, `reporting.counted()`; NULL otherwise) and that
value's parts, plus running figures from the framework's first period up to this one (sums, counts, maxima, the
latest counted value). With them a dashboard picks one row per project indicator, the last period ending by a
date (`ends_day <= d < next_ends_day`), instead of grouping every period of every project on each request, and a
window [from, to] is the difference of two such rows. Days are proleptic Gregorian ordinals (`date.toordinal()`)
so that the same integer arithmetic runs on SQLite and PostgreSQL. Values are ten-thousandths, as ScaledDecimal.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.projects.models import Project

# The dashboards join every project of the scope for its keys: a covering index lets PostgreSQL read 0.5 MB of
# index instead of the whole projects table (descriptions included) on each request.
PROJECT_KEYS = ("country_id", "region_id", "sector_id", "programme_id", "organisation_id", "partner_bank_id",
                "status", "currency", "instrument")
Index("ix_projects_dashboard_keys", Project.__table__.c.id, postgresql_include=list(PROJECT_KEYS))

# `next_ends_day` of a framework's last period: no later period ends, ever. A value rather than NULL, so that
# "as of a day" is one range (`ends_day <= d < next_ends_day`) that an index can answer by itself.
NO_NEXT_PERIOD = date.max.toordinal()

# What the dashboard reads of each "as of" row, carried by the index that finds those rows: PostgreSQL then reads
# the few index pages they sit in instead of visiting nearly every page of the table (every project indicator
# has a row per period, and its "as of" row lies beside the others).
AS_OF_COLUMNS = ("project_indicator_id", "project_id", "indicator_id", "target", "run_targets", "run_target",
                 "run_target_max", "run_counted", "run_actual", "run_actual_max", "last_actual", "last_actual_day",
                 "run_women", "run_sex_known", "run_youth", "run_age_known",
                 "country_id", "region_id", "sector_id", "programme_id")

# The project's keys, copied onto each of its rows (and moved with the project, `impact_maintenance`), so that the
# dashboard groups and filters the "as of" rows without looking up every project they belong to.
PROJECT_KEY_COLUMNS = ("country_id", "region_id", "sector_id", "programme_id")

# Every column computed from the impact tables, in the order `impact_maintenance` fills them.
FACT_COLUMNS = (
    "project_indicator_id", "period_id", "project_id", "indicator_id", *PROJECT_KEY_COLUMNS,
    "starts_day", "ends_day", "next_ends_day",
    "target", "actual", "women", "sex_known", "youth", "age_known",
    "run_targets", "run_target", "run_target_max",
    "run_counted", "run_actual", "run_actual_max", "last_actual", "last_actual_day",
    "run_women", "run_sex_known", "run_youth", "run_age_known",
)


class ImpactFact(db.Model):
    """One indicator of one project in one period, with running figures up to that period."""

    __tablename__ = "dashboard_impact_facts"
    __table_args__ = (
        Index("ix_dashboard_impact_facts_project_id", "project_id"),
        Index("ix_dashboard_impact_facts_ends_day", "ends_day"),
        # "As of a day" reads the rows whose next period ends after it: few of the table.
        Index("ix_dashboard_impact_facts_as_of", "next_ends_day", "ends_day", postgresql_include=list(AS_OF_COLUMNS)),
    )

    project_indicator_id: Mapped[int] = mapped_column(ForeignKey("impact_project_indicators.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("impact_periods.id"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("impact_indicators.id"))
    # the project's keys (the project's own foreign keys hold them to the reference tables)
    country_id: Mapped[int] = mapped_column(Integer)
    region_id: Mapped[int] = mapped_column(Integer)
    sector_id: Mapped[int] = mapped_column(Integer)
    programme_id: Mapped[int | None] = mapped_column(Integer)
    starts_day: Mapped[int] = mapped_column(Integer)
    ends_day: Mapped[int] = mapped_column(Integer)
    next_ends_day: Mapped[int] = mapped_column(Integer)  # the framework's next period; NO_NEXT_PERIOD for the last
    # this period
    target: Mapped[int | None] = mapped_column(BigInteger)
    actual: Mapped[int | None] = mapped_column(BigInteger)  # counted value only
    women: Mapped[int] = mapped_column(BigInteger, default=0)  # counted value's "female" part
    sex_known: Mapped[int] = mapped_column(BigInteger, default=0)  # counted value when split by sex
    youth: Mapped[int] = mapped_column(BigInteger, default=0)  # counted value's "15-24" part
    age_known: Mapped[int] = mapped_column(BigInteger, default=0)  # counted value when split by age band
    # running from the first period up to this one
    run_targets: Mapped[int] = mapped_column(Integer, default=0)
    run_target: Mapped[int] = mapped_column(BigInteger, default=0)
    run_target_max: Mapped[int | None] = mapped_column(BigInteger)
    run_counted: Mapped[int] = mapped_column(Integer, default=0)
    run_actual: Mapped[int] = mapped_column(BigInteger, default=0)
    run_actual_max: Mapped[int | None] = mapped_column(BigInteger)
    last_actual: Mapped[int | None] = mapped_column(BigInteger)
    last_actual_day: Mapped[int | None] = mapped_column(Integer)
    run_women: Mapped[int] = mapped_column(BigInteger, default=0)
    run_sex_known: Mapped[int] = mapped_column(BigInteger, default=0)
    run_youth: Mapped[int] = mapped_column(BigInteger, default=0)
    run_age_known: Mapped[int] = mapped_column(BigInteger, default=0)
