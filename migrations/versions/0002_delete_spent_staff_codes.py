"""spent staff codes are deleted; inspection.staff_codes_issued counts what was made

Revision ID: 0002
Revises: 0001

A spent code used to stay as a row with ``spent`` set. On PostgreSQL that UPDATE
wrote a new row version at the end of the table, so the physical order of spent
codes (``ctid``) and their transaction ids (``xmin``) followed the order in which
they were used, which could be lined up with the order of responses. Spent codes
are now deleted, and the inspection keeps the number it issued.

Upgrade: count every code (spent or not) into ``inspection.staff_codes_issued``,
delete the spent ones, drop ``staff_code.spent``. Downgrade puts the column back
with every remaining code unspent; the deleted rows cannot come back (which is the point).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Recreating staff_code on SQLite must keep it WITHOUT ROWID (no arrival order).
UNORDERED = {"sqlite_with_rowid": False}


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("staff_codes_issued", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        sa.text(
            "UPDATE inspection SET staff_codes_issued = "
            "(SELECT count(*) FROM staff_code WHERE staff_code.inspection_id = inspection.id)"
        )
    )
    op.execute(sa.text("DELETE FROM staff_code WHERE spent = :yes").bindparams(yes=True))
    with op.batch_alter_table("staff_code", schema=None, table_kwargs=UNORDERED) as batch_op:
        batch_op.drop_column("spent")


def downgrade():
    with op.batch_alter_table("staff_code", schema=None, table_kwargs=UNORDERED) as batch_op:
        batch_op.add_column(
            sa.Column("spent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("staff_codes_issued")
