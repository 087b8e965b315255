"""Storing sealed responses, and streaming them back out once unlocked.

Opening is the cost of evidence at scale (one X25519 exchange per response), so a large
inspection is opened in parallel (``fold_opened``): the database rows are read here in
chunks and each chunk is opened and folded (counted, summarised) in a worker process, one
per core. The private key reaches the workers in memory only (inherited by the forked
worker, or through its pipe): never a file. Small inspections stay in this process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from . import access, sealing
from .answers import check
from .models import Inspection, SealedResponse, db
from .questionnaire import Questionnaire


class AlreadySubmitted(Exception):
    """This ballot has already been used to submit a response."""


def submit(
    inspection: Inspection, questionnaire: Questionnaire, answers: dict, ballot: dict
) -> None:
    """Seal ``answers`` and store them, spending ``ballot``, in one transaction."""
    add_sealed(inspection, questionnaire, answers)
    if not access.spend_ballot(ballot):
        db.session.rollback()
        raise AlreadySubmitted
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadySubmitted from None


class BallotUsedElsewhere(Exception):
    """This ballot has already admitted a different sealed response."""


def accept_browser_sealed(
    inspection: Inspection, questionnaire: Questionnaire, sealed: bytes, ballot: dict
) -> bool:
    """Store a response sealed on a tablet (format 2), spending ``ballot``, in one transaction.

    True when stored now, False when this very ciphertext was stored before (a retried upload
    whose acknowledgement was lost: success, stored once). A *different* ciphertext with a spent
    ballot raises ``BallotUsedElsewhere``. The server cannot read what it stores: whether the
    answers are valid is decided once they are opened (``valid_only`` counts invalid ones).
    """
    row = SealedResponse(
        inspection_id=inspection.id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        sealed=sealed,
    )
    db.session.add(row)
    if access.spend_ballot(ballot):
        db.session.commit()
        return True
    db.session.rollback()
    # Spent: by this same upload (the ciphertext is unique: a fresh ephemeral key each seal)?
    again = db.session.execute(
        select(func.count())
        .select_from(SealedResponse)
        .where(SealedResponse.inspection_id == inspection.id, SealedResponse.sealed == sealed)
    ).scalar_one()
    if again:
        return False
    raise BallotUsedElsewhere


def add_sealed(inspection: Inspection, questionnaire: Questionnaire, answers: dict) -> None:
    """Seal ``answers`` and add them to the session; the caller commits (one transaction)."""
    context = sealing.response_context(inspection.id, questionnaire.id, questionnaire.version)
    sealed = sealing.seal_answers(inspection.public_key, answers, context)
    db.session.add(
        SealedResponse(
            inspection_id=inspection.id,
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            sealed=sealed,
        )
    )


def counts(inspection: Inspection) -> dict[str, int]:
    """How many responses each questionnaire has (no unlock needed)."""
    rows = db.session.execute(
        select(SealedResponse.questionnaire_id, func.count())
        .where(SealedResponse.inspection_id == inspection.id)
        .group_by(SealedResponse.questionnaire_id)
    )
    return dict(rows.all())


def counts_by_audience(inspection: Inspection) -> dict[str, int]:
    library = current_app.extensions["questionnaires"]
    totals: dict[str, int] = {}
    for questionnaire_id, total in counts(inspection).items():
        audience = library.audience(questionnaire_id) or "unknown"
        totals[audience] = totals.get(audience, 0) + total
    return totals


@dataclass(frozen=True)
class Opened:
    questionnaire_id: str
    version: int
    answers: Any  # a dict once checked; a tablet's may be anything until ``valid_only``
    response_id: str = ""
    sealed_in_browser: bool = False  # format 2: checked only by the tablet, so checked again


@dataclass
class BrokenSeals:
    """Responses that did not open, or opened but were not valid answers (sealed on a tablet,
    whose checks the server could not see); reported in the evidence, never silently dropped."""

    count: int = 0
    invalid: int = 0


def _sealed_rows(inspection: Inspection, batch: int):
    """The inspection's sealed rows (id, questionnaire, version, ciphertext), streamed: run
    on the session's connection (``_stream``), as plain rows, not through the ORM."""
    return (
        select(
            SealedResponse.id,
            SealedResponse.questionnaire_id,
            SealedResponse.questionnaire_version,
            SealedResponse.sealed,
        )
        .where(SealedResponse.inspection_id == inspection.id)
        .execution_options(yield_per=batch)
    )


def _stream(query):
    """Rows of ``query`` on the session's own connection (its transaction), without the ORM's
    per-row work (a quarter less time to read 100,000 rows)."""
    return db.session.connection().execute(query)


def open_all(
    inspection: Inspection, unsealer: sealing.Unsealer, broken: BrokenSeals, batch: int = 500
) -> Iterator[Opened]:
    """Yield every response of the inspection, opened, streaming from the database."""
    query = _sealed_rows(inspection, batch)
    yield from _open_rows(inspection.id, unsealer, _stream(query), broken, {})


def _open_rows(
    inspection_id: str,
    unsealer: sealing.Unsealer,
    rows: Iterable,
    broken: BrokenSeals,
    contexts: dict[tuple[str, int], bytes],
) -> Iterator[Opened]:
    """Open ``(id, questionnaire_id, version, sealed)`` rows; ``contexts`` caches the
    associated data, built once per questionnaire version."""
    for response_id, questionnaire_id, version, sealed in rows:
        context = contexts.get((questionnaire_id, version))
        if context is None:
            context = contexts[(questionnaire_id, version)] = sealing.response_context(
                inspection_id, questionnaire_id, version
            )
        try:
            answers = unsealer.open_answers(sealed, context)
        except sealing.SealBroken:
            broken.count += 1
            continue
        except sealing.NotAnswers:
            if sealed[0] != sealing.BROWSER_SEAL_FORMAT:  # the server seals only its own JSON
                broken.count += 1
                continue
            answers = None  # a tablet's: passed on, and counted by ``valid_only`` as invalid
        yield Opened(
            questionnaire_id,
            version,
            answers,
            response_id,
            sealed_in_browser=sealed[0] == sealing.BROWSER_SEAL_FORMAT,
        )


def _valid_answers(questionnaire: Questionnaire, answers: object) -> bool:
    """Whether ``answers`` is exactly what ``answers.check`` makes of some form."""
    if not isinstance(answers, dict):
        return False
    form: MultiDict[str, str] = MultiDict()
    for question_id, value in answers.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(question_id, str) or not all(isinstance(v, str) for v in values):
            return False
        for item in values:
            form.add(question_id, item)
    checked = check(questionnaire, form)
    return checked.ok and checked.answers == answers


def valid_only(opened: Iterator[Opened], library_get, broken: BrokenSeals) -> Iterator[Opened]:
    """Pass on every response, except one sealed on a tablet whose answers are not valid for
    its questionnaire (a tablet tampered with, or a bug): counted in ``broken.invalid``."""
    for response in opened:
        if response.sealed_in_browser:
            questionnaire = library_get(response.questionnaire_id, response.version)
            if questionnaire is None or not _valid_answers(questionnaire, response.answers):
                broken.invalid += 1
                continue
        yield response


#: From how many responses opening is worth worker processes (starting them costs ~0.1 s).
PARALLEL_FROM = 4000
#: Sealed rows per chunk sent to a worker (about 2 MB of ciphertext).
CHUNK_ROWS = 2000

_worker: tuple | None = None  # (unsealer, inspection id, fold, contexts), once per worker


def _start_worker(private_key: bytes, inspection_id: str, fold: Callable) -> None:
    global _worker  # noqa: PLW0603 - one worker process, one unlock
    _worker = (sealing.Unsealer(private_key), inspection_id, fold, {})


def _fold_chunk(rows: list[tuple], definitions: dict) -> tuple[Any, int, int]:
    if _worker is None:  # pragma: no cover - the pool's initializer always runs first
        raise RuntimeError("a worker folded a chunk before it was started")
    unsealer, inspection_id, fold, contexts = _worker
    broken = BrokenSeals()
    opened = _open_rows(inspection_id, unsealer, rows, broken, contexts)
    valid = valid_only(opened, lambda q, v: definitions.get((q, v)), broken)
    return fold(valid, definitions), broken.count, broken.invalid


def workers_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fold_opened(
    inspection: Inspection,
    unsealer: sealing.Unsealer,
    broken: BrokenSeals,
    fold: Callable[[Iterator[Opened], dict], Any],
    definition: Callable[[str, int], Any] | None = None,
) -> Iterator[Any]:
    """Open every response of ``inspection`` and yield ``fold(opened, definitions)`` for
    each chunk of them, in no particular order; the caller combines the results.
    ``definitions`` maps each ``(questionnaire_id, version)`` of the chunk to
    ``definition(questionnaire_id, version)`` (``None`` without ``definition``).

    ``fold`` must be a picklable top-level function: with at least ``PARALLEL_FROM``
    responses and more than one core, it runs in worker processes, one per core, over
    chunks of ``CHUNK_ROWS``; otherwise here, once, over all of them. The rows are read
    once, as a stream (nothing is counted first), and at most two chunks a worker are in
    flight, so memory stays flat.
    """
    query = _sealed_rows(inspection, CHUNK_ROWS)
    known: dict[tuple[str, int], Any] = {}

    def definitions(rows: list[tuple]) -> dict:
        wanted = {(row[1], row[2]) for row in rows}
        for key in wanted - known.keys():
            known[key] = definition(*key) if definition else None
        return {key: known[key] for key in wanted}

    stream = _stream(query)
    first: list[tuple] = []
    for row in stream:
        first.append(row)
        if len(first) >= PARALLEL_FROM:
            break
    workers = workers_available()
    if len(first) < PARALLEL_FROM or workers < 2:
        # One pass in this process; ``definitions`` of every version, met as they come.
        every = _Definitions(definition, known)
        passing = every.watch(itertools.chain(first, stream))
        opened = _open_rows(inspection.id, unsealer, passing, broken, {})
        yield fold(valid_only(opened, lambda q, v: every.get((q, v)), broken), every)
        return
    # fork: the key is inherited in memory and nothing is imported again. The workers
    # touch no database connection, and leave by os._exit, never closing one.
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(unsealer.private_bytes(), inspection.id, fold),
    ) as pool:
        pending: set = set()
        chunks = _batched(itertools.chain(first, stream), CHUNK_ROWS)
        for rows in chunks:
            pending.add(pool.submit(_fold_chunk, rows, definitions(rows)))
            while len(pending) >= 2 * workers:  # bound the rows in flight (memory)
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from _collect(done, broken)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from _collect(done, broken)


class _Definitions(dict):
    """``definitions`` for the one-process pass, filled in as rows of new versions pass."""

    def __init__(self, definition, known: dict):
        super().__init__()
        self._definition, self._known = definition, known

    def watch(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            key = (row[1], row[2])
            if key not in self:
                if key not in self._known:
                    self._known[key] = self._definition(*key) if self._definition else None
                self[key] = self._known[key]
            yield row


def _batched(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while batch := [tuple(row) for row in itertools.islice(iterator, size)]:
        yield batch


def _collect(done, broken: BrokenSeals) -> Iterator[Any]:
    for future in done:
        folded, unopened, invalid = future.result()
        broken.count += unopened
        broken.invalid += invalid
        yield folded


def count_opened(opened: Iterable[Opened], definitions: dict | None = None) -> int:
    """A ``fold`` for ``fold_opened`` that only opens: how many responses opened."""
    return sum(1 for _ in opened)
