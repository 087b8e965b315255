"""``flask --app wsgi backup PATH``: a consistent copy of the database, taken while it serves.

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live database
  page by page into a new file, consistent even while tablets keep submitting. The copy is
  written beside PATH and renamed into place, so PATH is never half a database.
* PostgreSQL: ``pg_dump --format=custom`` (restore with ``pg_restore``; see
  docs/deployment.md). The password, if any, goes to pg_dump in its environment, never on
  its command line.

Responses stay sealed in a backup: without an inspection passphrase it reveals no answer.
The backup is readable by its owner only (0600).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404  # nosec B404 - runs pg_dump with a fixed argument list
from pathlib import Path
from typing import cast

import click
from flask.cli import with_appcontext
from sqlalchemy.engine import URL

from . import private_files
from .models import db


class BackupFailed(Exception):
    """The backup could not be written; the message says why in one line."""


def backup_sqlite(source: sqlite3.Connection, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    private_files.create(partial)  # SQLite keeps the mode of the file it is given
    copy = sqlite3.connect(partial)
    try:
        with copy:
            source.backup(copy)
        # A backup is a plain database file, readable without WAL side files.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


def pg_dump_command(url: URL, target: Path) -> tuple[list[str], dict]:
    """pg_dump's arguments and environment for ``url`` (password in the environment only)."""
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupFailed("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    arguments = [executable, "--format=custom", "--no-owner", "--file", str(target)]
    for flag, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            arguments += [flag, str(value)]
    arguments += ["--dbname", url.database or ""]
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return arguments, environment


def backup(target: Path) -> None:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        connection = engine.raw_connection()
        try:
            backup_sqlite(cast(sqlite3.Connection, connection.driver_connection), target)
        except sqlite3.Error as error:
            raise BackupFailed(f"SQLite backup failed: {error}") from None
        finally:
            connection.close()
    elif engine.dialect.name == "postgresql":
        partial = target.with_name(target.name + ".partial")
        private_files.create(partial)  # pg_dump writes into it, keeping its mode
        arguments, environment = pg_dump_command(engine.url, partial)
        done = subprocess.run(  # noqa: S603  # nosec B603 - fixed executable, no shell
            arguments, env=environment, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise BackupFailed(f"pg_dump failed: {reason}")
        os.replace(partial, target)
    else:
        raise BackupFailed(f"no backup method for {engine.dialect.name}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent backup of the database to PATH, while the service runs."""
    if not path.parent.is_dir():
        raise click.ClickException(f"no folder {path.parent}")
    try:
        backup(path)
    except (BackupFailed, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {path}")
