"""approval policy: a station's own tiers of approval (minutes per person per day approved at
check-out, and up to which a station manager approves)

Revision ID: 0017_approval_policy
Revises: 0016_record_fields
Create Date: 2026-12-07 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_approval_policy'
down_revision = '0016_record_fields'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'approval_policies',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('auto_approve_daily_minutes', sa.Integer(), nullable=False),
        sa.Column('manager_limit_daily_minutes', sa.Integer(), nullable=False),
        sa.Column('approve_at_checkout', sa.Boolean(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('auto_approve_daily_minutes BETWEEN 0 AND 1440',
                           name=op.f('ck_approval_policies_auto_minutes_in_a_day')),
        sa.CheckConstraint('manager_limit_daily_minutes BETWEEN 0 AND 1440',
                           name=op.f('ck_approval_policies_manager_minutes_in_a_day')),
        sa.CheckConstraint('auto_approve_daily_minutes <= manager_limit_daily_minutes',
                           name=op.f('ck_approval_policies_auto_within_manager_limit')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'],
                                name=op.f('fk_approval_policies_station_id_stations')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_approval_policies_updated_by_id_users')),
        sa.PrimaryKeyConstraint('station_id', name=op.f('pk_approval_policies')),
    )


def downgrade():
    op.drop_table('approval_policies')
