"""Dashboards: `dashboard_capital_cells`, one row per (project, residence, month), and
`dashboard_capital_project_months`, one per (project, month), each with its active pledges, amounts and
distinct investors, which the pages read so that their cost no longer follows the number of pledges; and the
corridor rows (sums by residence, region, month, state and currency; distinct investors by residence, region,
month and state, with each investor's membership). Filled from the existing rows by the same groupings as
`flask dashboards rebuild`.

Revision ID: 0010_capital_cells
Revises: 0009_dashboards
Create Date: 2026-11-29 02:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_capital_cells'
down_revision = '0009_dashboards'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_capital_cells',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('origin_country_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('pledges', sa.Integer(), nullable=False),
    sa.Column('committed_pledges', sa.Integer(), nullable=False),
    sa.Column('paid_pledges', sa.Integer(), nullable=False),
    sa.Column('investors', sa.Integer(), nullable=False),
    sa.Column('committed_investors', sa.Integer(), nullable=False),
    sa.Column('paid_investors', sa.Integer(), nullable=False),
    sa.Column('pledged_minor', sa.BigInteger(), nullable=False),
    sa.Column('committed_minor', sa.BigInteger(), nullable=False),
    sa.Column('collected_minor', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('committed_investors >= 0 AND committed_investors <= committed_pledges', name=op.f('ck_dashboard_capital_cells_committed_investors_within')),
    sa.CheckConstraint('committed_pledges >= 0 AND committed_pledges <= pledges', name=op.f('ck_dashboard_capital_cells_committed_within_active')),
    sa.CheckConstraint('investors >= 0 AND investors <= pledges', name=op.f('ck_dashboard_capital_cells_investors_within_pledges')),
    sa.CheckConstraint('paid_investors >= 0 AND paid_investors <= paid_pledges', name=op.f('ck_dashboard_capital_cells_paid_investors_within')),
    sa.CheckConstraint('paid_pledges >= 0 AND paid_pledges <= committed_pledges', name=op.f('ck_dashboard_capital_cells_paid_within_committed')),
    sa.CheckConstraint('pledged_minor >= committed_minor AND committed_minor >= collected_minor AND collected_minor >= 0', name=op.f('ck_dashboard_capital_cells_buckets_nested')),
    sa.CheckConstraint('pledges > 0', name=op.f('ck_dashboard_capital_cells_has_active_pledges')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_dashboard_capital_cells_project_id_projects')),
    sa.PrimaryKeyConstraint('project_id', 'origin_country_id', 'month', name=op.f('pk_dashboard_capital_cells'))
    )
    with op.batch_alter_table('dashboard_capital_cells', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_capital_cells_month', ['month'], unique=False)

    op.create_table('dashboard_capital_project_months',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('pledges', sa.Integer(), nullable=False),
    sa.Column('committed_pledges', sa.Integer(), nullable=False),
    sa.Column('paid_pledges', sa.Integer(), nullable=False),
    sa.Column('investors', sa.Integer(), nullable=False),
    sa.Column('committed_investors', sa.Integer(), nullable=False),
    sa.Column('paid_investors', sa.Integer(), nullable=False),
    sa.Column('pledged_minor', sa.BigInteger(), nullable=False),
    sa.Column('committed_minor', sa.BigInteger(), nullable=False),
    sa.Column('collected_minor', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('committed_investors >= 0 AND committed_investors <= committed_pledges', name=op.f('ck_dashboard_capital_project_months_committed_investors_within')),
    sa.CheckConstraint('committed_pledges >= 0 AND committed_pledges <= pledges', name=op.f('ck_dashboard_capital_project_months_committed_within_active')),
    sa.CheckConstraint('investors >= 0 AND investors <= pledges', name=op.f('ck_dashboard_capital_project_months_investors_within_pledges')),
    sa.CheckConstraint('paid_investors >= 0 AND paid_investors <= paid_pledges', name=op.f('ck_dashboard_capital_project_months_paid_investors_within')),
    sa.CheckConstraint('paid_pledges >= 0 AND paid_pledges <= committed_pledges', name=op.f('ck_dashboard_capital_project_months_paid_within_committed')),
    sa.CheckConstraint('pledged_minor >= committed_minor AND committed_minor >= collected_minor AND collected_minor >= 0', name=op.f('ck_dashboard_capital_project_months_buckets_nested')),
    sa.CheckConstraint('pledges > 0', name=op.f('ck_dashboard_capital_project_months_has_active_pledges')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_dashboard_capital_project_months_project_id_projects')),
    sa.PrimaryKeyConstraint('project_id', 'month', name=op.f('pk_dashboard_capital_project_months'))
    )
    with op.batch_alter_table('dashboard_capital_project_months', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_capital_project_months_month', ['month'], unique=False)

    op.create_table('dashboard_capital_corridor_sums',
    sa.Column('origin_country_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('pledges', sa.Integer(), nullable=False),
    sa.Column('committed_pledges', sa.Integer(), nullable=False),
    sa.Column('paid_pledges', sa.Integer(), nullable=False),
    sa.Column('investors', sa.Integer(), nullable=False),
    sa.Column('committed_investors', sa.Integer(), nullable=False),
    sa.Column('paid_investors', sa.Integer(), nullable=False),
    sa.Column('pledged_minor', sa.BigInteger(), nullable=False),
    sa.Column('committed_minor', sa.BigInteger(), nullable=False),
    sa.Column('collected_minor', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('committed_investors >= 0 AND committed_investors <= committed_pledges', name=op.f('ck_dashboard_capital_corridor_sums_committed_investors_within')),
    sa.CheckConstraint('committed_pledges >= 0 AND committed_pledges <= pledges', name=op.f('ck_dashboard_capital_corridor_sums_committed_within_active')),
    sa.CheckConstraint('investors >= 0 AND investors <= pledges', name=op.f('ck_dashboard_capital_corridor_sums_investors_within_pledges')),
    sa.CheckConstraint('paid_investors >= 0 AND paid_investors <= paid_pledges', name=op.f('ck_dashboard_capital_corridor_sums_paid_investors_within')),
    sa.CheckConstraint('paid_pledges >= 0 AND paid_pledges <= committed_pledges', name=op.f('ck_dashboard_capital_corridor_sums_paid_within_committed')),
    sa.CheckConstraint('pledged_minor >= committed_minor AND committed_minor >= collected_minor AND collected_minor >= 0', name=op.f('ck_dashboard_capital_corridor_sums_buckets_nested')),
    sa.CheckConstraint('pledges > 0', name=op.f('ck_dashboard_capital_corridor_sums_has_active_pledges')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_dashboard_capital_corridor_sums_region_id_regions')),
    sa.PrimaryKeyConstraint('origin_country_id', 'region_id', 'month', 'status', 'currency', name=op.f('pk_dashboard_capital_corridor_sums'))
    )
    op.create_table('dashboard_capital_corridor_reach',
    sa.Column('origin_country_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('investors', sa.Integer(), nullable=False),
    sa.Column('committed_investors', sa.Integer(), nullable=False),
    sa.Column('paid_investors', sa.Integer(), nullable=False),
    sa.CheckConstraint('investors >= 0 AND committed_investors >= 0 AND paid_investors >= 0', name=op.f('ck_dashboard_capital_corridor_reach_counts_not_negative')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_dashboard_capital_corridor_reach_region_id_regions')),
    sa.PrimaryKeyConstraint('origin_country_id', 'region_id', 'month', 'status', name=op.f('pk_dashboard_capital_corridor_reach'))
    )
    op.create_table('dashboard_capital_corridor_members',
    sa.Column('origin_country_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('cells', sa.Integer(), nullable=False),
    sa.Column('committed_cells', sa.Integer(), nullable=False),
    sa.Column('paid_cells', sa.Integer(), nullable=False),
    sa.CheckConstraint('cells > 0', name=op.f('ck_dashboard_capital_corridor_members_has_cells')),
    sa.CheckConstraint('committed_cells >= 0 AND committed_cells <= cells', name=op.f('ck_dashboard_capital_corridor_members_committed_within')),
    sa.CheckConstraint('paid_cells >= 0 AND paid_cells <= committed_cells', name=op.f('ck_dashboard_capital_corridor_members_paid_within')),
    sa.ForeignKeyConstraint(['investor_id'], ['users.id'], name=op.f('fk_dashboard_capital_corridor_members_investor_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_dashboard_capital_corridor_members_region_id_regions')),
    sa.PrimaryKeyConstraint('origin_country_id', 'region_id', 'month', 'status', 'investor_id', name=op.f('pk_dashboard_capital_corridor_members'))
    )

    columns = ("pledges, committed_pledges, paid_pledges, pledged_minor, committed_minor, collected_minor, "
               "investors, committed_investors, paid_investors")
    totals = ("sum(pledges), sum(committed_pledges), sum(paid_pledges), sum(pledged_minor), sum(committed_minor), "
              "sum(collected_minor), count(*), sum(CASE WHEN committed_pledges > 0 THEN 1 ELSE 0 END), "
              "sum(CASE WHEN paid_pledges > 0 THEN 1 ELSE 0 END)")
    op.execute(f"""
        INSERT INTO dashboard_capital_cells (project_id, origin_country_id, month, {columns})
        SELECT project_id, origin_country_id, month, {totals}
        FROM dashboard_capital_facts
        GROUP BY project_id, origin_country_id, month
    """)
    op.execute(f"""
        INSERT INTO dashboard_capital_project_months (project_id, month, {columns})
        SELECT project_id, month, {totals}
        FROM (SELECT project_id, month, investor_id, sum(pledges) AS pledges,
                     sum(committed_pledges) AS committed_pledges, sum(paid_pledges) AS paid_pledges,
                     sum(pledged_minor) AS pledged_minor, sum(committed_minor) AS committed_minor,
                     sum(collected_minor) AS collected_minor
              FROM dashboard_capital_facts GROUP BY project_id, month, investor_id) AS per_investor
        GROUP BY project_id, month
    """)
    op.execute(f"""
        INSERT INTO dashboard_capital_corridor_sums (origin_country_id, region_id, month, status, currency, {columns})
        SELECT c.origin_country_id, p.region_id, c.month, p.status, p.currency, sum(c.pledges),
            sum(c.committed_pledges), sum(c.paid_pledges), sum(c.pledged_minor), sum(c.committed_minor),
            sum(c.collected_minor), sum(c.investors), sum(c.committed_investors), sum(c.paid_investors)
        FROM dashboard_capital_cells AS c JOIN projects AS p ON p.id = c.project_id
        GROUP BY c.origin_country_id, p.region_id, c.month, p.status, p.currency
    """)
    op.execute("""
        INSERT INTO dashboard_capital_corridor_members (origin_country_id, region_id, month, status, investor_id,
            cells, committed_cells, paid_cells)
        SELECT f.origin_country_id, p.region_id, f.month, p.status, f.investor_id, count(*),
            sum(CASE WHEN f.committed_pledges > 0 THEN 1 ELSE 0 END),
            sum(CASE WHEN f.paid_pledges > 0 THEN 1 ELSE 0 END)
        FROM dashboard_capital_facts AS f JOIN projects AS p ON p.id = f.project_id
        GROUP BY f.origin_country_id, p.region_id, f.month, p.status, f.investor_id
    """)
    op.execute("""
        INSERT INTO dashboard_capital_corridor_reach (origin_country_id, region_id, month, status, investors,
            committed_investors, paid_investors)
        SELECT origin_country_id, region_id, month, status, count(*),
            sum(CASE WHEN committed_cells > 0 THEN 1 ELSE 0 END), sum(CASE WHEN paid_cells > 0 THEN 1 ELSE 0 END)
        FROM dashboard_capital_corridor_members
        GROUP BY origin_country_id, region_id, month, status
    """)


def downgrade():
    op.drop_table('dashboard_capital_corridor_members')
    op.drop_table('dashboard_capital_corridor_reach')
    op.drop_table('dashboard_capital_corridor_sums')
    with op.batch_alter_table('dashboard_capital_project_months', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_capital_project_months_month')

    op.drop_table('dashboard_capital_project_months')
    with op.batch_alter_table('dashboard_capital_cells', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_capital_cells_month')

    op.drop_table('dashboard_capital_cells')
