"""a resident's own data: profile correction requests, retention reviews of inactive
accounts, and users.last_seen_at / users.erased_at

Revision ID: 0023_personal_data
Revises: 0022_consents
Create Date: 2026-12-07 04:37:04

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023_personal_data'
down_revision = '0022_consents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retention_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('flagged_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_retention_reviews_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_retention_reviews_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_reviews'))
    )
    with op.batch_alter_table('retention_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_reviews_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_retention_reviews_flagged', ['user_id'], unique=True, sqlite_where=sa.text("status = 'flagged'"), postgresql_where=sa.text("status = 'flagged'"))

    op.create_table('profile_correction_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('problem', sa.String(length=500), nullable=False),
    sa.Column('correct_value', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_profile_correction_requests_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_profile_correction_requests_station_id_stations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_profile_correction_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_correction_requests'))
    )
    with op.batch_alter_table('profile_correction_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_correction_requests_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_correction_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_correction_requests_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('last_seen_at')

    with op.batch_alter_table('profile_correction_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_correction_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_profile_correction_requests_status'))
        batch_op.drop_index(batch_op.f('ix_profile_correction_requests_station_id'))

    op.drop_table('profile_correction_requests')
    with op.batch_alter_table('retention_reviews', schema=None) as batch_op:
        batch_op.drop_index('uq_retention_reviews_flagged', sqlite_where=sa.text("status = 'flagged'"), postgresql_where=sa.text("status = 'flagged'"))
        batch_op.drop_index(batch_op.f('ix_retention_reviews_user_id'))

    op.drop_table('retention_reviews')
