"""teams (志愿服务队): a volunteer captain, description, active flag; join requests; team sign-ups
with a party size, and the sign-ups of the members they name (#18)

Revision ID: 0028_teams
Revises: 0027_complaints
Create Date: 2026-12-07 15:14:59.247112

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_teams'
down_revision = '0027_complaints'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('team_join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=300), server_default='', nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_team_join_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['volunteer_teams.id'], name=op.f('fk_team_join_requests_team_id_volunteer_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['users.id'], name=op.f('fk_team_join_requests_volunteer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_join_requests'))
    )
    with op.batch_alter_table('team_join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_join_requests_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_join_requests_volunteer_id'), ['volunteer_id'], unique=False)
        batch_op.create_index('uq_team_join_requests_pending', ['team_id', 'volunteer_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('team_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('party_size', sa.Integer(), nullable=False),
    sa.Column('signed_up_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('party_size BETWEEN 1 AND 50', name=op.f('ck_team_signups_party_size_range')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_team_signups_activity_id_activities')),
    sa.ForeignKeyConstraint(['signed_up_by_id'], ['users.id'], name=op.f('fk_team_signups_signed_up_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['volunteer_teams.id'], name=op.f('fk_team_signups_team_id_volunteer_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_signups'))
    )
    with op.batch_alter_table('team_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_signups_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_signups_team_id'), ['team_id'], unique=False)
        batch_op.create_index('uq_team_signups_live', ['team_id', 'activity_id'], unique=True, sqlite_where=sa.text("status = 'live'"), postgresql_where=sa.text("status = 'live'"))

    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_sign_up_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_signups_team_sign_up_id'), ['team_sign_up_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_signups_team_sign_up_id_team_signups'), 'team_signups', ['team_sign_up_id'], ['id'])

    with op.batch_alter_table('volunteer_teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('captain_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_volunteer_teams_captain_id'), ['captain_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_volunteer_teams_captain_id_users'), 'users', ['captain_id'], ['id'])



def downgrade():
    with op.batch_alter_table('volunteer_teams', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_volunteer_teams_captain_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_volunteer_teams_captain_id'))
        batch_op.drop_column('created_at')
        batch_op.drop_column('active')
        batch_op.drop_column('description')
        batch_op.drop_column('captain_id')

    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_signups_team_sign_up_id_team_signups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_signups_team_sign_up_id'))
        batch_op.drop_column('team_sign_up_id')

    with op.batch_alter_table('team_signups', schema=None) as batch_op:
        batch_op.drop_index('uq_team_signups_live', sqlite_where=sa.text("status = 'live'"), postgresql_where=sa.text("status = 'live'"))
        batch_op.drop_index(batch_op.f('ix_team_signups_team_id'))
        batch_op.drop_index(batch_op.f('ix_team_signups_activity_id'))

    op.drop_table('team_signups')
    with op.batch_alter_table('team_join_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_team_join_requests_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_team_join_requests_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_team_join_requests_team_id'))

    op.drop_table('team_join_requests')
