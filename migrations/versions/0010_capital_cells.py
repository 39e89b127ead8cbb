"""Dashboards: `dashboard_capital_cells`, one row per (project, residence, month) with its active pledges,
amounts and distinct investors, which the pages read so that their cost no longer follows the number of
pledges. Filled from the existing fact rows by the same grouping as `flask dashboards rebuild`.

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

    op.execute("""
        INSERT INTO dashboard_capital_cells (project_id, origin_country_id, month, pledges, committed_pledges,
            paid_pledges, pledged_minor, committed_minor, collected_minor, investors, committed_investors,
            paid_investors)
        SELECT project_id, origin_country_id, month, sum(pledges), sum(committed_pledges), sum(paid_pledges),
            sum(pledged_minor), sum(committed_minor), sum(collected_minor), count(*),
            sum(CASE WHEN committed_pledges > 0 THEN 1 ELSE 0 END),
            sum(CASE WHEN paid_pledges > 0 THEN 1 ELSE 0 END)
        FROM dashboard_capital_facts
        GROUP BY project_id, origin_country_id, month
    """)


def downgrade():
    with op.batch_alter_table('dashboard_capital_cells', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_capital_cells_month')

    op.drop_table('dashboard_capital_cells')
