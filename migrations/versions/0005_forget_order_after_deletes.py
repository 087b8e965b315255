"""the respondent tables are rewritten in key order, leaving no row version of earlier deletes

Revision ID: 0005
Revises: 0004

Migration 0002 deleted spent staff codes. On PostgreSQL a deleted (or updated) row stays in
the table file as a dead tuple, with the transaction ids that wrote and deleted it, until a
vacuum, and index entries keep pointing at it: the order in which codes were spent could be
read from the files. Earlier releases' close-time rewrite (DELETE, re-INSERT, CLUSTER in one
transaction) kept every old row version in the same way.

Upgrade rewrites the respondent tables as ``survey_app.at_rest`` now does when a survey
closes: on PostgreSQL the live rows are copied out, the table truncated (new, empty files
for the table, its TOAST table and its indexes) and the rows put back in key order in this
transaction; on SQLite the file is rebuilt (``VACUUM``) and the write-ahead log emptied.
The SQL is written out here, not imported, so this migration keeps working whatever the
application code becomes. Every later migration that deletes respondent rows must end with
``forget_arrival_order(op)`` the same way (copy the function: migrations stand alone).

Downgrade does nothing: the rows are the same rows.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The respondent tables at this revision, and their random keys.
RESPONDENT_TABLES = {
    "sealed_response": "id",
    "staff_code": "code_hash",
    "spent_ballot": "ballot_hash",
}


def forget_arrival_order(operations) -> None:
    bind = operations.get_bind()
    if bind.dialect.name == "postgresql":
        for table in RESPONDENT_TABLES:
            operations.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        for table, key in RESPONDENT_TABLES.items():
            copy = f"arrival_{table}"
            operations.execute(
                f"CREATE TEMPORARY TABLE {copy} ON COMMIT DROP AS SELECT * FROM {table}"  # noqa: S608  # nosec B608
            )
            operations.execute(f"TRUNCATE {table}")
            operations.execute(
                f"INSERT INTO {table} SELECT * FROM {copy} ORDER BY {key}"  # noqa: S608  # nosec B608
            )
            operations.execute(f"DROP TABLE {copy}")
    elif bind.dialect.name == "sqlite":
        # VACUUM cannot run inside a transaction: Alembic commits what came before it first.
        with operations.get_context().autocommit_block():
            operations.execute("VACUUM")
            operations.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def upgrade():
    forget_arrival_order(op)


def downgrade():
    pass
