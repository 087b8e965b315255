"""What the database files give away beyond their rows: arrival order and deleted bytes.

Rows in the respondent tables have random keys and no times, but storage engines keep
order of their own:

* **SQLite** keeps ``WITHOUT ROWID`` rows in key order, yet inside a page a new cell is
  written below the previous one, so byte offsets follow arrival; the write-ahead log
  holds pages in commit order until it is truncated; deleted cells linger in free space.
  ``secure_delete`` zeroes deleted content, and ``VACUUM`` then a truncating checkpoint
  rebuild the file in key order and empty the log.
* **PostgreSQL** appends rows to the heap (``ctid``, and ``pg_dump`` row order, follow
  arrival) and stamps each with the inserting transaction id (``xmin``), which only grows.
  Deleted and updated rows stay in the file as dead tuples, and index entries point at
  them, until a vacuum (whose freed space is not wiped). Copying the rows out, ``TRUNCATE``
  (new, empty files for the table, its TOAST and its indexes) and re-inserting them in key
  order in one transaction leaves only live rows, with one ``xmin``, in key order.

``forget_arrival_order`` does both for its engine. It runs when an inspection closes, after
a purge or erase, and from ``flask --app wsgi forget-order`` (run it before a backup).
While a survey is open, the order is there to be read by someone with the files: see
``docs/threat-model.md`` (residual risks).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .models import db

# Respondent tables and their random keys.
RESPONDENT_TABLES = {
    "sealed_response": "id",
    "staff_code": "code_hash",
    "spent_ballot": "ballot_hash",
}


@event.listens_for(Engine, "connect")
def _zero_deleted_content(dbapi_connection, record) -> None:
    """SQLite: overwrite deleted rows with zeros instead of leaving them in free space."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()


def forget_arrival_order() -> str:
    """Rewrite the respondent tables so nothing in storage follows arrival; returns the engine."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        _rebuild_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _rewrite_postgresql(engine)
    return engine.dialect.name


class RewriteUnfinished(SQLAlchemyError):
    """The tables were rewritten, but a copy in arrival order is still on disk."""


def _rebuild_sqlite(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
        # In WAL mode the log still holds the pages in commit order: copy back and empty it.
        # A reader in the middle of a transaction (another process, a long export) keeps the
        # log from being emptied; SQLite then answers "busy" once its busy timeout is over.
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        raise RewriteUnfinished("the write-ahead log is in use and could not be emptied")


# How long the rewrite waits for the tables. While it waits, every new query on them queues
# behind it, so a long reader (an export) must make it give up, not stall the service.
LOCK_TIMEOUT = "5s"


def _rewrite_postgresql(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        rewrite_postgresql_tables(connection, RESPONDENT_TABLES)


def rewrite_postgresql_tables(connection, tables: dict[str, str]) -> None:
    """Copy out each table's live rows, ``TRUNCATE`` it and put them back in key order, in
    the caller's transaction. Also used by migrations that delete respondent rows.

    ``TRUNCATE`` gives the table, its TOAST table and its indexes new, empty files; the old
    files, with every earlier row version (dead ones included) and its ``xmin``, are
    removed when the transaction commits. The rows go back in key order, all with this
    transaction's ``xmin``. (``DELETE`` then ``CLUSTER`` in one transaction does not do
    this: ``CLUSTER`` keeps the rows this transaction deleted, with their original
    ``xmin``, and so does every index.) The tables are locked against readers and writers
    for the moment this takes; a submission waits and then goes in.
    """
    for table in tables:
        # Table and column names come from the caller's constants, never from input,
        # hence the SQL-injection warnings silenced below.
        connection.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    for table, key in tables.items():
        copy = f"arrival_{table}"
        create = f"CREATE TEMPORARY TABLE {copy} ON COMMIT DROP AS "
        create += f"SELECT * FROM {table}"  # noqa: S608  # nosec B608
        connection.exec_driver_sql(create)
        connection.exec_driver_sql(f"TRUNCATE {table}")
        refill = f"INSERT INTO {table} SELECT * FROM {copy} ORDER BY {key}"  # noqa: S608  # nosec B608
        connection.exec_driver_sql(refill)
        connection.exec_driver_sql(f"DROP TABLE {copy}")
