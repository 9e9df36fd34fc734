"""consents and the privacy notice; phone verification: users.phone_verified_at and
phone_codes. Existing users count as verified (they were made before the rule); existing
consents to skills and availability (volunteer_profiles.consent_at) become consent records

Revision ID: 0022_consents
Revises: 0021_star_levels
Create Date: 2026-12-07 05:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_consents'
down_revision = '0021_star_levels'
branch_labels = None
depends_on = None

#: The first version of the privacy notice (`timebank.consents.services.NOTICES`).
FIRST_NOTICE = '2026-12'


def upgrade():
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('notice_version', sa.String(length=20), nullable=False),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("method IN ('self', 'paper', 'import')", name=op.f('ck_consents_method_known')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index('ix_consents_user_id_purpose', ['user_id', 'purpose'], unique=False)

    op.create_table('phone_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('wrong_tries', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_phone_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_codes'))
    )
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_codes_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(), nullable=True))

    # Accounts made before the rule are not interrupted: their phones count as verified.
    op.execute("UPDATE users SET phone_verified_at = created_at")
    # The profile's consent to skills, interests and availability becomes a consent record.
    op.execute(
        "INSERT INTO consents (user_id, purpose, notice_version, given_at, method) "
        f"SELECT user_id, 'skills_availability', '{FIRST_NOTICE}', consent_at, 'self' "
        "FROM volunteer_profiles WHERE consent_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone_verified_at')

    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_phone_codes_phone'))

    op.drop_table('phone_codes')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index('ix_consents_user_id_purpose')

    op.drop_table('consents')
