"""time bank rules: a category on every transfer, derived for old rows from their kind;
pool grants by the district's operations centre (from the district's pool: no station or
community) (#18)

Revision ID: 0031_timebank_rules
Revises: 0030_training
Create Date: 2026-12-07 15:15:13.302857

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031_timebank_rules'
down_revision = '0030_training'
branch_labels = None
depends_on = None


#: Old rows' categories, in order (a later statement refines an earlier one); the rules are
#: `timebank.ledger.models.derived_category`'s, and a payment for help takes its request's.
_FILL = [
    "UPDATE transfers SET category = 'volunteer_service' WHERE kind = 'earn'",
    "UPDATE transfers SET category = 'opening_balance' WHERE kind = 'opening_balance'",
    "UPDATE transfers SET category = 'adjustment' WHERE kind = 'adjust'",
    "UPDATE transfers SET category = 'merchant' WHERE kind = 'redeem'",
    "UPDATE transfers SET category = 'mutual_aid' WHERE kind = 'spend'",
    "UPDATE transfers SET category = (SELECT h.category FROM help_requests h "
    "WHERE transfers.reference = 'help:' || CAST(h.id AS VARCHAR(20))) "
    "WHERE kind = 'spend' AND reference LIKE 'help:%' AND EXISTS (SELECT 1 FROM help_requests h "
    "WHERE transfers.reference = 'help:' || CAST(h.id AS VARCHAR(20)))",
    "UPDATE transfers SET category = 'gift' WHERE kind = 'donate'",
    "UPDATE transfers SET category = 'pool_donation' WHERE kind = 'donate' "
    "AND EXISTS (SELECT 1 FROM entries e JOIN accounts a ON a.id = e.account_id "
    "WHERE e.transfer_id = transfers.id AND e.minutes > 0 AND a.kind = 'pool')",
    "UPDATE transfers SET category = 'pool_grant' WHERE kind = 'donate' "
    "AND EXISTS (SELECT 1 FROM entries e JOIN accounts a ON a.id = e.account_id "
    "WHERE e.transfer_id = transfers.id AND e.minutes < 0 AND a.kind = 'pool')",
    "UPDATE transfers SET category = 'merchant' WHERE kind IN ('spend', 'donate') "
    "AND EXISTS (SELECT 1 FROM entries e JOIN accounts a ON a.id = e.account_id "
    "WHERE e.transfer_id = transfers.id AND e.minutes > 0 AND a.kind = 'merchant')",
    "UPDATE transfers SET category = 'pledge' WHERE kind = 'pledge'",
    "UPDATE transfers SET category = 'sponsorship' WHERE kind = 'sponsor'",
    "UPDATE transfers SET category = (SELECT o.category FROM transfers o "
    "WHERE o.id = transfers.reverses_id) WHERE kind = 'reversal' AND reverses_id IS NOT NULL",
]


def upgrade():
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=32), server_default='other',
                                      nullable=False))
    for statement in _FILL:
        op.execute(statement)
    with op.batch_alter_table('pool_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_district', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.alter_column('station_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column('community_id', existing_type=sa.INTEGER(), nullable=True)


def downgrade():
    op.execute("DELETE FROM pool_grants WHERE station_id IS NULL OR community_id IS NULL")
    with op.batch_alter_table('pool_grants', schema=None) as batch_op:
        batch_op.alter_column('community_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column('station_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('by_district')
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_column('category')
