"""ledger: accounts, entries, postings, holds, periods, hash chain, and their triggers

Revision ID: 0002_ledger
Revises: 0001_foundation

The tables mirror ``ledger.models``; the trigger statements are a literal copy of
``ledger.ddl`` at the time of this revision (a later change to the triggers is a new revision).
"""

from alembic import op
import sqlalchemy as sa


revision = "0002_ledger"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


POSTGRESQL = (
    """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: % on % is refused: the ledger is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$""",
    """
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    """
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
ON ledger_postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    """
CREATE TRIGGER ledger_chain_links_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
ON ledger_chain_links FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    """
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE OR TRUNCATE
ON ledger_accounts FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    """
CREATE TRIGGER ledger_accounts_identity BEFORE UPDATE ON ledger_accounts FOR EACH ROW
WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.currency IS DISTINCT FROM NEW.currency
      OR OLD.type IS DISTINCT FROM NEW.type OR OLD.normal_side IS DISTINCT FROM NEW.normal_side
      OR OLD.id IS DISTINCT FROM NEW.id)
EXECUTE FUNCTION ledger_refuse_change()""",
    """
CREATE TRIGGER ledger_periods_closed BEFORE UPDATE OR DELETE ON ledger_periods FOR EACH ROW
WHEN (OLD.status = 'closed') EXECUTE FUNCTION ledger_refuse_change()""",
    """
CREATE FUNCTION ledger_seal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  top integer;
  unbalanced boolean;
  misdated boolean;
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_periods WHERE status = 'closed'
             AND starts_at <= NEW.effective_at AND NEW.effective_at < ends_at) THEN
    RAISE EXCEPTION 'ledger: period closed: entry % is effective at % inside a closed period',
      NEW.id, NEW.effective_at USING ERRCODE = 'check_violation';
  END IF;
  SELECT coalesce(sum(c), 0), max(t), coalesce(bool_or(s <> 0), false), coalesce(bool_or(d), false)
    INTO n, top, unbalanced, misdated
    FROM (SELECT count(*) AS c, max(leg) AS t, sum(amount) AS s,
                 bool_or(effective_at <> NEW.effective_at) AS d
            FROM ledger_postings WHERE entry_id = NEW.id GROUP BY currency) AS per_currency;
  IF n <> NEW.posting_count OR top IS DISTINCT FROM NEW.posting_count OR misdated THEN
    RAISE EXCEPTION 'ledger: entry % has % postings (max leg %), declared %, or mismatched dates',
      NEW.id, n, top, NEW.posting_count USING ERRCODE = 'check_violation';
  END IF;
  IF unbalanced THEN
    RAISE EXCEPTION 'ledger: entry % does not balance per currency', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO ledger_chain_queue (entry_id) VALUES (NEW.id);
  RETURN NULL;
END
$$""",
    """
CREATE TRIGGER ledger_entries_seal AFTER INSERT ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_seal_entry()""",
    """
CREATE FUNCTION ledger_check_leg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.leg > (SELECT posting_count FROM ledger_entries WHERE id = NEW.entry_id) THEN
    RAISE EXCEPTION 'ledger: entry % is sealed: posting leg % cannot be added', NEW.entry_id,
      NEW.leg USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$""",
    """
CREATE CONSTRAINT TRIGGER ledger_postings_sealed AFTER INSERT ON ledger_postings
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_leg()""",
)


POSTGRESQL_DROP = (
    'DROP TRIGGER IF EXISTS ledger_postings_sealed ON ledger_postings',
    'DROP TRIGGER IF EXISTS ledger_entries_seal ON ledger_entries',
    'DROP TRIGGER IF EXISTS ledger_periods_closed ON ledger_periods',
    'DROP TRIGGER IF EXISTS ledger_accounts_identity ON ledger_accounts',
    'DROP TRIGGER IF EXISTS ledger_accounts_no_delete ON ledger_accounts',
    'DROP TRIGGER IF EXISTS ledger_chain_links_append_only ON ledger_chain_links',
    'DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings',
    'DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries',
    'DROP FUNCTION IF EXISTS ledger_check_leg()',
    'DROP FUNCTION IF EXISTS ledger_seal_entry()',
    'DROP FUNCTION IF EXISTS ledger_refuse_change()',
)


SQLITE = (
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger: UPDATE on ledger_entries is refused: the ledger is append-only'); END",
    "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger: DELETE on ledger_entries is refused: the ledger is append-only'); END",
    "CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings BEGIN SELECT RAISE(ABORT, 'ledger: UPDATE on ledger_postings is refused: the ledger is append-only'); END",
    "CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings BEGIN SELECT RAISE(ABORT, 'ledger: DELETE on ledger_postings is refused: the ledger is append-only'); END",
    "CREATE TRIGGER ledger_chain_links_no_update BEFORE UPDATE ON ledger_chain_links BEGIN SELECT RAISE(ABORT, 'ledger: UPDATE on ledger_chain_links is refused: the ledger is append-only'); END",
    "CREATE TRIGGER ledger_chain_links_no_delete BEFORE DELETE ON ledger_chain_links BEGIN SELECT RAISE(ABORT, 'ledger: DELETE on ledger_chain_links is refused: the ledger is append-only'); END",
    "CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts BEGIN SELECT RAISE(ABORT, 'ledger: DELETE on ledger_accounts is refused: the ledger is append-only'); END",
    """
CREATE TRIGGER ledger_accounts_identity BEFORE UPDATE ON ledger_accounts
WHEN OLD.code IS NOT NEW.code OR OLD.currency IS NOT NEW.currency OR OLD.type IS NOT NEW.type
  OR OLD.normal_side IS NOT NEW.normal_side OR OLD.id IS NOT NEW.id
BEGIN SELECT RAISE(ABORT, 'ledger: UPDATE of an account identity is refused: the ledger is append-only'); END""",
    """
CREATE TRIGGER ledger_periods_closed_update BEFORE UPDATE ON ledger_periods
WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'ledger: UPDATE of a closed period is refused: the ledger is append-only'); END""",
    """
CREATE TRIGGER ledger_periods_closed_delete BEFORE DELETE ON ledger_periods
WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'ledger: DELETE of a closed period is refused: the ledger is append-only'); END""",
    """
CREATE TRIGGER ledger_postings_sealed BEFORE INSERT ON ledger_postings
WHEN EXISTS (SELECT 1 FROM ledger_entries WHERE id = NEW.entry_id)
BEGIN SELECT RAISE(ABORT, 'ledger: entry is sealed: postings cannot be added'); END""",
    """
CREATE TRIGGER ledger_entries_period BEFORE INSERT ON ledger_entries
WHEN EXISTS (SELECT 1 FROM ledger_periods WHERE status = 'closed'
             AND starts_at <= NEW.effective_at AND NEW.effective_at < ends_at)
BEGIN SELECT RAISE(ABORT, 'ledger: period closed: the effective date is inside a closed period'); END""",
    """
CREATE TRIGGER ledger_entries_seal AFTER INSERT ON ledger_entries
WHEN (SELECT count(*) = NEW.posting_count AND max(leg) = NEW.posting_count
             AND min(effective_at = NEW.effective_at)
        FROM ledger_postings WHERE entry_id = NEW.id) IS NOT 1
  OR EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.id
             GROUP BY currency HAVING sum(amount) <> 0)
BEGIN SELECT RAISE(ABORT, 'ledger: entry does not balance per currency or its postings do not match posting_count'); END""",
    """
CREATE TRIGGER ledger_entries_queue AFTER INSERT ON ledger_entries
BEGIN INSERT INTO ledger_chain_queue (entry_id) VALUES (NEW.id); END""",
)


SQLITE_TRIGGERS = (
    'ledger_entries_no_update',
    'ledger_entries_no_delete',
    'ledger_postings_no_update',
    'ledger_postings_no_delete',
    'ledger_chain_links_no_update',
    'ledger_chain_links_no_delete',
    'ledger_accounts_no_delete',
    'ledger_accounts_identity',
    'ledger_periods_closed_update',
    'ledger_periods_closed_delete',
    'ledger_postings_sealed',
    'ledger_entries_period',
    'ledger_entries_seal',
    'ledger_entries_queue',
)


def upgrade() -> None:
    op.create_table('ledger_accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('normal_side', sa.String(length=6), nullable=False),
    sa.Column('lower_limit', sa.BigInteger(), nullable=True),
    sa.Column('upper_limit', sa.BigInteger(), nullable=True),
    sa.Column('debits_posted', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('credits_posted', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('debits_pending', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('credits_pending', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("lower_limit IS NULL OR (CASE WHEN normal_side = 'debit' THEN debits_posted - credits_posted - credits_pending ELSE credits_posted - debits_posted - debits_pending END) >= lower_limit", name=op.f('ck_ledger_accounts_lower_limit')),
    sa.CheckConstraint("normal_side IN ('debit', 'credit')", name=op.f('ck_ledger_accounts_normal_side')),
    sa.CheckConstraint("type IN ('asset', 'liability', 'equity', 'revenue', 'expense')", name=op.f('ck_ledger_accounts_type')),
    sa.CheckConstraint("upper_limit IS NULL OR (CASE WHEN normal_side = 'debit' THEN debits_posted + debits_pending - credits_posted ELSE credits_posted + credits_pending - debits_posted END) <= upper_limit", name=op.f('ck_ledger_accounts_upper_limit')),
    sa.CheckConstraint('debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 AND credits_pending >= 0', name=op.f('ck_ledger_accounts_totals')),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_ledger_accounts_currency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_accounts')),
    sa.UniqueConstraint('code', 'currency', name=op.f('uq_ledger_accounts_code_currency')),
    sa.UniqueConstraint('id', 'currency', name=op.f('uq_ledger_accounts_id_currency'))
    )
    op.create_table('ledger_periods',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=6), server_default=sa.text("'open'"), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_ledger_periods_status')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_ledger_periods_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_periods')),
    sa.UniqueConstraint('name', name=op.f('uq_ledger_periods_name'))
    )
    op.create_index('ix_ledger_periods_range', 'ledger_periods', ['starts_at', 'ends_at'], unique=False)
    op.create_table('ledger_holds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('debit_account_id', sa.BigInteger(), nullable=False),
    sa.Column('credit_account_id', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('posted_amount', sa.BigInteger(), nullable=True),
    sa.Column('description', sa.String(length=500), server_default=sa.text("''"), nullable=False),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'posted', 'voided', 'expired')", name=op.f('ck_ledger_holds_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_ledger_holds_amount')),
    sa.CheckConstraint('debit_account_id <> credit_account_id', name=op.f('ck_ledger_holds_accounts')),
    sa.CheckConstraint('posted_amount IS NULL OR (posted_amount > 0 AND posted_amount <= amount)', name=op.f('ck_ledger_holds_posted_amount')),
    sa.ForeignKeyConstraint(['credit_account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_holds_credit_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['debit_account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_holds_debit_account_id_ledger_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_holds')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_ledger_holds_idempotency_key'))
    )
    op.create_index('ix_ledger_holds_status_expires', 'ledger_holds', ['status', 'expires_at'], unique=False)
    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=500), server_default=sa.text("''"), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posting_count', sa.SmallInteger(), nullable=False),
    sa.Column('reverses_entry_id', sa.BigInteger(), nullable=True),
    sa.Column('hold_id', sa.BigInteger(), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.CheckConstraint('posting_count >= 2', name=op.f('ck_ledger_entries_posting_count')),
    sa.ForeignKeyConstraint(['hold_id'], ['ledger_holds.id'], name=op.f('fk_ledger_entries_hold_id_ledger_holds')),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('hold_id', name=op.f('uq_ledger_entries_hold_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_ledger_entries_idempotency_key')),
    sa.UniqueConstraint('reverses_entry_id', name=op.f('uq_ledger_entries_reverses_entry_id'))
    )
    op.create_index(op.f('ix_ledger_entries_effective_at'), 'ledger_entries', ['effective_at'], unique=False)
    op.create_table('ledger_chain_links',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_chain_links_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger_chain_links')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_ledger_chain_links_entry_id'))
    )
    op.create_table('ledger_chain_queue',
    sa.Column('entry_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_chain_queue_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_ledger_chain_queue'))
    )
    op.create_table('ledger_postings',
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('leg', sa.SmallInteger(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_ledger_postings_amount')),
    sa.CheckConstraint('leg >= 1', name=op.f('ck_ledger_postings_leg')),
    sa.ForeignKeyConstraint(['account_id', 'currency'], ['ledger_accounts.id', 'ledger_accounts.currency'], name=op.f('fk_ledger_postings_account_id_currency_ledger_accounts')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_postings_entry_id_ledger_entries'), initially='DEFERRED', deferrable=True),
    sa.PrimaryKeyConstraint('entry_id', 'leg', name=op.f('pk_ledger_postings'))
    )
    op.create_index('ix_ledger_postings_account_effective', 'ledger_postings', ['account_id', 'effective_at'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL if dialect == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in POSTGRESQL_DROP:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_ledger_postings_account_effective', table_name='ledger_postings')
    op.drop_table('ledger_postings')
    op.drop_table('ledger_chain_queue')
    op.drop_table('ledger_chain_links')
    op.drop_index(op.f('ix_ledger_entries_effective_at'), table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_index('ix_ledger_holds_status_expires', table_name='ledger_holds')
    op.drop_table('ledger_holds')
    op.drop_index('ix_ledger_periods_range', table_name='ledger_periods')
    op.drop_table('ledger_periods')
    op.drop_table('ledger_accounts')
