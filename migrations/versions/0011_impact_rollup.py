"""Impact dashboard: `dashboard_impact_facts`, one row per (project indicator, period) of confirmed frameworks with
the target, the counted value and its parts, and running figures up to that period; kept in step by
`impact.events` (framework confirmed or reopened, value status changed). Existing data is backfilled here with
the same computation as `dashboards.impact_maintenance.compute_rows` (written out so that this file never
depends on application code that may change later).

Revision ID: 0011_impact_rollup
Revises: 0010_capital_cells
Create Date: 2026-11-29 02:30:00

"""
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_impact_rollup'
down_revision = '0010_capital_cells'
branch_labels = None
depends_on = None

COUNTED = "v.status = 'verified' AND v.approved_at IS NOT NULL AND v.verified_at IS NOT NULL"


def upgrade():
    facts = op.create_table('dashboard_impact_facts',
    sa.Column('project_indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('starts_day', sa.Integer(), nullable=False),
    sa.Column('ends_day', sa.Integer(), nullable=False),
    sa.Column('next_ends_day', sa.Integer(), nullable=True),
    sa.Column('target', sa.BigInteger(), nullable=True),
    sa.Column('actual', sa.BigInteger(), nullable=True),
    sa.Column('women', sa.BigInteger(), nullable=False),
    sa.Column('sex_known', sa.BigInteger(), nullable=False),
    sa.Column('youth', sa.BigInteger(), nullable=False),
    sa.Column('age_known', sa.BigInteger(), nullable=False),
    sa.Column('run_targets', sa.Integer(), nullable=False),
    sa.Column('run_target', sa.BigInteger(), nullable=False),
    sa.Column('run_target_max', sa.BigInteger(), nullable=True),
    sa.Column('run_counted', sa.Integer(), nullable=False),
    sa.Column('run_actual', sa.BigInteger(), nullable=False),
    sa.Column('run_actual_max', sa.BigInteger(), nullable=True),
    sa.Column('last_actual', sa.BigInteger(), nullable=True),
    sa.Column('last_actual_day', sa.Integer(), nullable=True),
    sa.Column('run_women', sa.BigInteger(), nullable=False),
    sa.Column('run_sex_known', sa.BigInteger(), nullable=False),
    sa.Column('run_youth', sa.BigInteger(), nullable=False),
    sa.Column('run_age_known', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['impact_indicators.id'], name=op.f('fk_dashboard_impact_facts_indicator_id_impact_indicators')),
    sa.ForeignKeyConstraint(['period_id'], ['impact_periods.id'], name=op.f('fk_dashboard_impact_facts_period_id_impact_periods')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_dashboard_impact_facts_project_id_projects')),
    sa.ForeignKeyConstraint(['project_indicator_id'], ['impact_project_indicators.id'], name=op.f('fk_dashboard_impact_facts_project_indicator_id_impact_project_indicators')),
    sa.PrimaryKeyConstraint('project_indicator_id', 'period_id', name=op.f('pk_dashboard_impact_facts'))
    )
    with op.batch_alter_table('dashboard_impact_facts', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_impact_facts_ends_day', ['ends_day'], unique=False)
        batch_op.create_index('ix_dashboard_impact_facts_project_id', ['project_id'], unique=False)
        batch_op.create_index('ix_dashboard_impact_facts_next_ends_day', ['next_ends_day'], unique=False,
                              postgresql_include=['ends_day'])
    # A covering index: the dashboard reads each project's keys without touching the wide projects table.
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index('ix_projects_dashboard_keys', ['id'], unique=False, postgresql_include=[
            'country_id', 'region_id', 'sector_id', 'programme_id', 'organisation_id', 'partner_bank_id'])

    bind = op.get_bind()
    cells = bind.execute(sa.text(f"""
        SELECT pi.id, p.id, f.project_id, pi.indicator_id, p.starts_on, p.ends_on, t.value, v.id, v.value
        FROM impact_project_indicators pi
        JOIN impact_frameworks f ON pi.framework_id = f.id
        JOIN impact_indicators i ON pi.indicator_id = i.id
        JOIN impact_periods p ON p.framework_id = pi.framework_id
        LEFT JOIN impact_targets t ON t.project_indicator_id = pi.id AND t.period_id = p.id
        LEFT JOIN impact_reported_values v ON v.project_indicator_id = pi.id AND v.period_id = p.id AND {COUNTED}
        WHERE f.confirmed_at IS NOT NULL AND i.measure IN ('unit', 'percentage', 'currency')
    """)).all()
    parts = {row[0]: tuple(int(x) for x in row[1:]) for row in bind.execute(sa.text(f"""
        SELECT x.reported_value_id,
               COALESCE(SUM(CASE WHEN x.dimension = 'sex' AND x.category = 'female' THEN x.value ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN x.dimension = 'sex' THEN x.value ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN x.dimension = 'age_band' AND x.category = '15-24' THEN x.value ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN x.dimension = 'age_band' THEN x.value ELSE 0 END), 0)
        FROM impact_value_parts x JOIN impact_reported_values v ON x.reported_value_id = v.id
        WHERE {COUNTED} AND x.dimension IN ('sex', 'age_band')
        GROUP BY x.reported_value_id
    """))}
    grouped = defaultdict(list)
    for row in cells:
        grouped[row[0]].append(row)
    rows = []
    for periods in grouped.values():
        periods.sort(key=lambda row: str(row[5]))
        run = dict(run_targets=0, run_target=0, run_target_max=None, run_counted=0, run_actual=0,
                   run_actual_max=None, last_actual=None, last_actual_day=None, run_women=0, run_sex_known=0,
                   run_youth=0, run_age_known=0)
        for index, (pi_id, period_id, project_id, indicator_id, starts, ends, target, value_id, actual) in \
                enumerate(periods):
            ends_day = date.fromisoformat(str(ends)[:10]).toordinal()
            split = parts.get(value_id, (0, 0, 0, 0)) if actual is not None else (0, 0, 0, 0)
            if target is not None:
                run["run_targets"] += 1
                run["run_target"] += target
                run["run_target_max"] = target if run["run_target_max"] is None else max(run["run_target_max"], target)
            if actual is not None:
                run["run_counted"] += 1
                run["run_actual"] += actual
                run["run_actual_max"] = actual if run["run_actual_max"] is None else max(run["run_actual_max"], actual)
                run["last_actual"], run["last_actual_day"] = actual, ends_day
            for name, amount in zip(("run_women", "run_sex_known", "run_youth", "run_age_known"), split):
                run[name] += amount
            following = (date.fromisoformat(str(periods[index + 1][5])[:10]).toordinal()
                         if index + 1 < len(periods) else None)
            rows.append(dict(project_indicator_id=pi_id, period_id=period_id, project_id=project_id,
                             indicator_id=indicator_id, starts_day=date.fromisoformat(str(starts)[:10]).toordinal(),
                             ends_day=ends_day, next_ends_day=following, target=target, actual=actual,
                             women=split[0], sex_known=split[1], youth=split[2], age_known=split[3], **run))
    for start in range(0, len(rows), 5000):
        op.bulk_insert(facts, rows[start:start + 5000])


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_dashboard_keys')

    with op.batch_alter_table('dashboard_impact_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_impact_facts_next_ends_day')
        batch_op.drop_index('ix_dashboard_impact_facts_project_id')
        batch_op.drop_index('ix_dashboard_impact_facts_ends_day')

    op.drop_table('dashboard_impact_facts')
