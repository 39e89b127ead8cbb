"""Impact dashboard: a framework's last period gets a `next_ends_day` far in the future (the last day a date can
have) instead of NULL, so that "as of a day" is one range, and the index that answers it carries every figure the
dashboard reads of those rows. PostgreSQL then reads a few index pages instead of nearly every page of the table.

Revision ID: 0014_impact_as_of_index
Revises: 0013_capital_fact_buckets
Create Date: 2026-11-29 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_impact_as_of_index'
down_revision = '0013_capital_fact_buckets'
branch_labels = None
depends_on = None

NO_NEXT_PERIOD = 3652059  # date.max.toordinal(), written out so that this file never follows the application
AS_OF_COLUMNS = ['project_indicator_id', 'project_id', 'indicator_id', 'target', 'run_targets', 'run_target',
                 'run_target_max', 'run_counted', 'run_actual', 'run_actual_max', 'last_actual', 'last_actual_day',
                 'run_women', 'run_sex_known', 'run_youth', 'run_age_known']


def upgrade():
    op.execute(sa.text(f'UPDATE dashboard_impact_facts SET next_ends_day = {NO_NEXT_PERIOD} '
                       'WHERE next_ends_day IS NULL'))
    with op.batch_alter_table('dashboard_impact_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_impact_facts_next_ends_day')
        batch_op.alter_column('next_ends_day', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_dashboard_impact_facts_as_of', ['next_ends_day', 'ends_day'], unique=False,
                              postgresql_include=AS_OF_COLUMNS)


def downgrade():
    with op.batch_alter_table('dashboard_impact_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_impact_facts_as_of')
        batch_op.alter_column('next_ends_day', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index('ix_dashboard_impact_facts_next_ends_day', ['next_ends_day'], unique=False,
                              postgresql_include=['ends_day'])
    op.execute(sa.text(f'UPDATE dashboard_impact_facts SET next_ends_day = NULL WHERE next_ends_day = {NO_NEXT_PERIOD}'))
