"""Reading PostgreSQL's table files page by page, as someone holding the data directory would.

``pageinspect`` shows every tuple on every page, dead ones included, with its inserting
transaction id (``t_xmin``) and, for a deleted or updated row, ``t_xmax``; ``bt_page_items``
shows what an index's leaf pages point at. SQL sees only live rows; this sees the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text


@dataclass(frozen=True)
class Layout:
    """What a respondent table's files give away."""

    relation: str
    versions: int  # tuples on the heap pages, dead ones included
    dead: int  # tuples deleted, updated or unused (t_xmax set, or not a normal line pointer)
    xmins: int  # distinct inserting transaction ids among them
    keys_in_file_order: list[str]  # live keys, by (page, line pointer)
    index_entries: dict[str, int]  # heap pointers on each index's leaf pages
    stale_index_entries: dict[str, int]  # of those, pointers to no live row


def enable(connection) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))


def _pages(connection, relation: str) -> int:
    return connection.execute(
        text("SELECT pg_relation_size(:r) / current_setting('block_size')::int"), {"r": relation}
    ).scalar_one()


def heap_tuples(connection, relation: str) -> list[tuple]:
    """(ctid, lp_flags, t_xmin, t_xmax) of every line pointer on every page."""
    rows = []
    for page in range(_pages(connection, relation)):
        rows += connection.execute(
            text(
                "SELECT '(' || :page || ',' || lp || ')', lp_flags, t_xmin::text, t_xmax::text "
                "FROM heap_page_items(get_raw_page(:r, :page)) ORDER BY lp"
            ),
            {"r": relation, "page": page},
        ).all()
    return rows


def _leaf_pointers(connection, index: str) -> list[str]:
    pointers = []
    for page in range(1, _pages(connection, index)):  # page 0 is the metapage
        stats = connection.execute(
            text("SELECT type, btpo_next FROM bt_page_stats(:i, :page)"),
            {"i": index, "page": page},
        ).one()
        if stats.type != "l":
            continue
        items = connection.execute(
            text(
                "SELECT itemoffset, htid::text, tids::text[] "
                "FROM bt_page_items(get_raw_page(:i, :page)) ORDER BY itemoffset"
            ),
            {"i": index, "page": page},
        ).all()
        for offset, htid, tids in items:
            if stats.btpo_next != 0 and offset == 1:
                continue  # a leaf's high key bounds the page; it points at no row
            pointers += tids or [htid]
    return pointers


def layout(connection, table: str, key: str) -> Layout:
    tuples = heap_tuples(connection, table)
    toast = connection.execute(
        text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = CAST(:t AS regclass)"),
        {"t": table},
    ).scalar_one()
    if toast != "-":  # long values live in the TOAST table, written in arrival order too
        tuples += heap_tuples(connection, toast)
    live = dict(
        connection.execute(text(f"SELECT ctid::text, {key} FROM {table}")).all()  # noqa: S608
    )
    in_order = [live[ctid] for ctid, *_ in heap_tuples(connection, table) if ctid in live]
    indexes = connection.execute(
        text(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = CAST(:t AS regclass)"
        ),
        {"t": table},
    ).scalars()
    entries, stale = {}, {}
    for index in indexes:
        pointers = _leaf_pointers(connection, index)
        entries[index] = len(pointers)
        stale[index] = sum(pointer not in live for pointer in pointers)
    return Layout(
        relation=table,
        versions=len(tuples),
        dead=sum(flags != 1 or xmax != "0" for _, flags, _, xmax in tuples),
        xmins=len({xmin for _, flags, xmin, _ in tuples if flags == 1}),
        keys_in_file_order=in_order,
        index_entries=entries,
        stale_index_entries=stale,
    )


def assert_no_arrival_order(connection, table: str, key: str, rows: int) -> None:
    """Every tuple in the files is a live row, all written by one transaction, in key order,
    and every index entry points at a live row."""
    found = layout(connection, table, key)
    assert found.dead == 0, found
    assert found.xmins <= 1, found
    assert len(found.keys_in_file_order) == rows, found
    assert found.keys_in_file_order == sorted(found.keys_in_file_order), found
    assert found.versions >= rows, found
    assert set(found.stale_index_entries.values()) <= {0}, found
    assert set(found.index_entries.values()) <= {rows}, found
