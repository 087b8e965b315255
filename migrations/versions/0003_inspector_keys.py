"""keys an inspection team can live with: inspectors' own key pairs, per-inspector grants

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inspector_key",
        sa.Column("inspector_id", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("kdf", sa.String(length=16), nullable=False),
        sa.Column("kdf_parameters", sa.JSON(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["inspector_id"], ["inspector.id"]),
        sa.PrimaryKeyConstraint("inspector_id"),
    )
    with op.batch_alter_table("wrapped_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspector_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_wrapped_key_inspector_id"), ["inspector_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_wrapped_key_inspector_id_inspector", "inspector", ["inspector_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("wrapped_key", schema=None) as batch_op:
        batch_op.drop_constraint("fk_wrapped_key_inspector_id_inspector", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_wrapped_key_inspector_id"))
        batch_op.drop_column("inspector_id")
    op.drop_table("inspector_key")
