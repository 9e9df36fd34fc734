"""star levels on application: a volunteer applies for the level their hours of service reach,
a station manager awards or declines it (one pending application per member)

Revision ID: 0021_star_levels
Revises: 0020_official_sync
Create Date: 2026-12-07 01:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_star_levels'
down_revision = '0020_official_sync'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('star_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('served_minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_served_minutes', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.String(length=300), nullable=True),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_star_applications_level_range')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_star_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_star_applications_station_id_stations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_star_applications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_star_applications'))
    )
    with op.batch_alter_table('star_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_star_applications_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_star_applications_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_star_applications_awarded', ['user_id', 'level'], unique=True, sqlite_where=sa.text("status = 'awarded'"), postgresql_where=sa.text("status = 'awarded'"))
        batch_op.create_index('uq_star_applications_pending', ['user_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade():
    with op.batch_alter_table('star_applications', schema=None) as batch_op:
        batch_op.drop_index('uq_star_applications_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('uq_star_applications_awarded', sqlite_where=sa.text("status = 'awarded'"), postgresql_where=sa.text("status = 'awarded'"))
        batch_op.drop_index(batch_op.f('ix_star_applications_user_id'))
        batch_op.drop_index(batch_op.f('ix_star_applications_station_id'))

    op.drop_table('star_applications')
