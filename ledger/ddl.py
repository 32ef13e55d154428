"""Triggers that make the database itself keep the ledger's invariants.

``metadata.create_all`` makes the tables, CHECK constraints and foreign keys; ``install`` then
adds what SQLAlchemy cannot declare. The migration ``0002_ledger`` repeats these statements
literally, so a database built either way ends up the same.

How an entry is sealed (both engines): postings are inserted *before* their entry (the foreign
key from postings to entries is ``DEFERRABLE INITIALLY DEFERRED``, so postings without an entry
cannot be committed). Inserting the entry row seals it: a trigger checks that exactly
``posting_count`` postings exist with legs 1..n, the same effective date, and a zero sum per
currency. Afterwards no posting can join the entry: on SQLite a trigger refuses postings for an
existing entry; on PostgreSQL a deferred constraint trigger checks at commit that each new
posting's leg is within its entry's ``posting_count`` (together with the primary key
``(entry_id, leg)`` that closes the door even to concurrent raw inserts).

Entries, postings and chain links refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL). Accounts
refuse changes to their identity and deletion; closed periods refuse any change.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from ledger.models import metadata

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
    "DROP TRIGGER IF EXISTS ledger_postings_sealed ON ledger_postings",
    "DROP TRIGGER IF EXISTS ledger_entries_seal ON ledger_entries",
    "DROP TRIGGER IF EXISTS ledger_periods_closed ON ledger_periods",
    "DROP TRIGGER IF EXISTS ledger_accounts_identity ON ledger_accounts",
    "DROP TRIGGER IF EXISTS ledger_accounts_no_delete ON ledger_accounts",
    "DROP TRIGGER IF EXISTS ledger_chain_links_append_only ON ledger_chain_links",
    "DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings",
    "DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries",
    "DROP FUNCTION IF EXISTS ledger_check_leg()",
    "DROP FUNCTION IF EXISTS ledger_seal_entry()",
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
)


def _sqlite_refuse(table: str, operation: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger: {operation} on {table} is refused: "
        f"the ledger is append-only'); END"
    )


SQLITE = (
    _sqlite_refuse("ledger_entries", "UPDATE"),
    _sqlite_refuse("ledger_entries", "DELETE"),
    _sqlite_refuse("ledger_postings", "UPDATE"),
    _sqlite_refuse("ledger_postings", "DELETE"),
    _sqlite_refuse("ledger_chain_links", "UPDATE"),
    _sqlite_refuse("ledger_chain_links", "DELETE"),
    _sqlite_refuse("ledger_accounts", "DELETE"),
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
    "ledger_entries_no_update",
    "ledger_entries_no_delete",
    "ledger_postings_no_update",
    "ledger_postings_no_delete",
    "ledger_chain_links_no_update",
    "ledger_chain_links_no_delete",
    "ledger_accounts_no_delete",
    "ledger_accounts_identity",
    "ledger_periods_closed_update",
    "ledger_periods_closed_delete",
    "ledger_postings_sealed",
    "ledger_entries_period",
    "ledger_entries_seal",
    "ledger_entries_queue",
)

POSTGRESQL_TRIGGERS = (
    "ledger_entries_append_only",
    "ledger_postings_append_only",
    "ledger_chain_links_append_only",
    "ledger_accounts_no_delete",
    "ledger_accounts_identity",
    "ledger_periods_closed",
    "ledger_entries_seal",
    "ledger_postings_sealed",
)


def statements(dialect_name: str) -> tuple[str, ...]:
    """The DDL statements ``install`` runs for a dialect (``sqlite`` or ``postgresql``)."""
    if dialect_name == "postgresql":
        return POSTGRESQL
    if dialect_name == "sqlite":
        return SQLITE
    raise NotImplementedError(f"the ledger supports sqlite and postgresql, not {dialect_name}")


def expected_triggers(dialect_name: str) -> tuple[str, ...]:
    """Names of the triggers ``install`` creates, for ``verify`` to check they are all there."""
    return POSTGRESQL_TRIGGERS if dialect_name == "postgresql" else SQLITE_TRIGGERS


def install(connection: Connection) -> None:
    """Create the ledger's triggers on a connection whose tables already exist."""
    for statement in statements(connection.dialect.name):
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    """Drop what ``install`` created (dropping the tables drops SQLite's triggers too)."""
    if connection.dialect.name == "postgresql":
        for statement in POSTGRESQL_DROP:
            connection.execute(text(statement))
    else:
        for name in SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def create_all(connection: Connection) -> None:
    """Tables plus triggers: what ``alembic upgrade`` to ``0002_ledger`` gives, for tests."""
    metadata.create_all(connection)
    install(connection)
