"""The migrations and the models describe the same schema, on SQLite and PostgreSQL."""

import datetime as dt
import random
import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy import inspect as schema
from sqlalchemy.engine import make_url

from survey_app import create_app
from survey_app.models import db
from tests import pg_pages
from tests.conftest import TINY_QUESTIONNAIRES, _config, _create_database, database_url

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


@pytest.fixture
def scratch_url(tmp_path) -> str:
    """An empty database of the engine under test, apart from the shared test database."""
    url = database_url()
    if not url:
        return f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"
    base = make_url(url)
    mine = base.set(database=f"{base.database}_upgrade")
    _create_database(base, mine.database)
    engine = create_engine(mine)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return mine.render_as_string(hide_password=False)


def test_upgrading_leaves_no_trace_of_the_order_codes_were_spent_in(scratch_url, tmp_path):
    """A database from before 0002, where codes were marked spent one by one and responses
    came in one by one, upgraded to the newest migration: on PostgreSQL no dead tuple, one
    ``xmin`` and key order in every respondent table's files; on SQLite no spent code's hash
    anywhere in the file or its log."""
    app = create_app(_config(scratch_url, tmp_path, TINY_QUESTIONNAIRES), str(tmp_path))
    codes = sorted(secrets.token_hex(32) for _ in range(10))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO establishment (id, name, type) VALUES ('e1', 'STC', 'stc')")
            )
            connection.execute(
                text(
                    "INSERT INTO inspection (id, establishment_id, kind, status, opened_on, "
                    "public_key) VALUES ('i1', 'e1', 'full', 'open', :day, :key)"
                ),
                {"day": dt.date(2024, 5, 1), "key": b"k" * 32},
            )
            for code in codes:
                connection.execute(
                    text("INSERT INTO staff_code VALUES (:code, 'i1', :no)"),
                    {"code": code, "no": False},
                )
        spent = random.Random(7).sample(codes, 6)
        for index, code in enumerate(spent):  # each in its own transaction, as staff arrived
            with db.engine.begin() as connection:
                connection.execute(
                    text("UPDATE staff_code SET spent = :yes WHERE code_hash = :code"),
                    {"yes": True, "code": code},
                )
                connection.execute(
                    text("INSERT INTO sealed_response VALUES (:id, 'i1', 'staff', 1, :day, :blob)"),
                    {"id": secrets.token_hex(16), "day": dt.date(2024, 5, 1), "blob": b"s" * 99},
                )
                connection.execute(
                    text("INSERT INTO spent_ballot VALUES (:ballot)"),
                    {"ballot": f"{index:02d}" + secrets.token_hex(31)},
                )
        upgrade()
        with db.engine.begin() as connection:
            if db.engine.dialect.name == "postgresql":
                pg_pages.enable(connection)
                expected = {"staff_code": 4, "sealed_response": 6, "spent_ballot": 6}
                keys = {"staff_code": "code_hash", "sealed_response": "id"}
                for table, rows in expected.items():
                    key = keys.get(table, "ballot_hash")
                    pg_pages.assert_no_arrival_order(connection, table, key, rows)
        if scratch_url.startswith("sqlite"):  # read while a connection holds the log open
            stored = b"".join(path.read_bytes() for path in tmp_path.glob("upgraded.sqlite3*"))
            unspent = next(code for code in codes if code not in spent)
            assert unspent.encode() in stored  # the search works
            assert [code for code in spent if code.encode() in stored] == []
        db.engine.dispose()
