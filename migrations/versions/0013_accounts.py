"""accounts: e-mail verification; sign-in throttling moves to the rate limiter

Revision ID: 0013_accounts
Revises: 0015_featured
"""

from alembic import op
import sqlalchemy as sa
import market.db


revision = '0013_accounts'
down_revision = '0015_featured'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', market.db.UTCDateTime(timezone=True), nullable=True))
    # Accounts made before verification existed keep acting for their organisations.
    op.execute('UPDATE users SET email_verified_at = created_at')

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_failed_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_email_key'))
    op.drop_table('login_failures')


def downgrade() -> None:
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=True),
    sa.Column('failed_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_email_key'), ['email_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_failed_at'), ['failed_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
