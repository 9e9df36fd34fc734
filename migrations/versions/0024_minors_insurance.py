"""minors and insurance: a guardian's consent on the volunteer profile (and who registered a
child), an activity's minimum age, risky flag and insurance policy, each sign-up's cover

Revision ID: 0024_minors_insurance
Revises: 0023_personal_data
Create Date: 2026-12-07 04:34:41.310843

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_minors_insurance'
down_revision = '0023_personal_data'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('risky', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('insurance_reference', sa.String(length=60), server_default='', nullable=False))
        batch_op.create_check_constraint(op.f('ck_activities_min_age_range'), 'min_age BETWEEN 0 AND 100')

    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insurance_reference', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('insured_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian_name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('guardian_phone', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('guardian_relationship', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('guardian_consent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('guardian_consent_method', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('guardian_consent_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('registered_by_staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_volunteer_profiles_guardian_consent_by_id_users'), 'users', ['guardian_consent_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_volunteer_profiles_registered_by_staff_id_users'), 'users', ['registered_by_staff_id'], ['id'])


def downgrade():
    with op.batch_alter_table('volunteer_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_volunteer_profiles_registered_by_staff_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_volunteer_profiles_guardian_consent_by_id_users'), type_='foreignkey')
        batch_op.drop_column('registered_by_staff_id')
        batch_op.drop_column('guardian_consent_by_id')
        batch_op.drop_column('guardian_consent_method')
        batch_op.drop_column('guardian_consent_at')
        batch_op.drop_column('guardian_relationship')
        batch_op.drop_column('guardian_phone')
        batch_op.drop_column('guardian_name')

    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.drop_column('insured_at')
        batch_op.drop_column('insurance_reference')

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_activities_min_age_range'), type_='check')
        batch_op.drop_column('insurance_reference')
        batch_op.drop_column('risky')
        batch_op.drop_column('min_age')
