"""The migrations and the models describe the same schema, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect as schema

from survey_app.models import db

pytestmark = pytest.mark.db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"run `flask --app wsgi db migrate` and review: {differences}"


def test_respondent_tables_keep_no_arrival_order_on_sqlite(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("engine: WITHOUT ROWID is SQLite's")
        with db.engine.connect() as connection:
            for table in ("sealed_response", "staff_code", "spent_ballot"):
                sql = connection.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
                ).scalar_one()
                assert "WITHOUT ROWID" in sql, table


def test_every_table_has_a_random_text_primary_key_not_a_counter(app):
    with app.app_context():
        inspector = schema(db.engine)
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            for column in inspector.get_pk_constraint(table)["constrained_columns"]:
                kind = next(c["type"] for c in inspector.get_columns(table) if c["name"] == column)
                assert "INT" not in str(kind).upper(), (table, column)
