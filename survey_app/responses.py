"""Storing sealed responses, and streaming them back out once unlocked.

Opening is the cost of evidence at scale (one X25519 exchange per response), so a large
inspection is opened in parallel (``fold_opened``): the database rows are read here in
chunks and each chunk is opened and folded (counted, summarised) in a worker process, one
per core. The private key reaches the workers in memory only (inherited by the forked
worker, or through its pipe): never a file. Small inspections stay in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import access, sealing
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


def versions(inspection: Inspection) -> dict[tuple[str, int], int]:
    """How many responses each questionnaire version has (no unlock needed)."""
    rows = db.session.execute(
        select(SealedResponse.questionnaire_id, SealedResponse.questionnaire_version, func.count())
        .where(SealedResponse.inspection_id == inspection.id)
        .group_by(SealedResponse.questionnaire_id, SealedResponse.questionnaire_version)
    )
    return {(questionnaire_id, version): n for questionnaire_id, version, n in rows}


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
    answers: dict
    response_id: str = ""


@dataclass
class BrokenSeals:
    """Responses that did not open; reported in the evidence, never silently dropped."""

    count: int = 0


def open_all(
    inspection: Inspection, unsealer: sealing.Unsealer, broken: BrokenSeals, batch: int = 500
) -> Iterator[Opened]:
    """Yield every response of the inspection, opened, streaming from the database."""
    query = (
        select(
            SealedResponse.id,
            SealedResponse.questionnaire_id,
            SealedResponse.questionnaire_version,
            SealedResponse.sealed,
        )
        .where(SealedResponse.inspection_id == inspection.id)
        .execution_options(yield_per=batch)
    )
    yield from _open_rows(inspection.id, unsealer, db.session.execute(query), broken, {})


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
        yield Opened(questionnaire_id, version, answers, response_id)


#: From how many responses opening is worth worker processes (starting them costs ~0.1 s).
PARALLEL_FROM = 4000
#: Sealed rows per chunk sent to a worker (about 1 MB of ciphertext).
CHUNK_ROWS = 2000

_worker: tuple | None = None  # (unsealer, inspection id, fold), set once in each worker


def _start_worker(private_key: bytes, inspection_id: str, fold: Callable) -> None:
    global _worker  # noqa: PLW0603 - one worker process, one unlock
    _worker = (sealing.Unsealer(private_key), inspection_id, fold, {})


def _fold_chunk(rows: list[tuple]) -> tuple[Any, int]:
    unsealer, inspection_id, fold, contexts = _worker
    broken = BrokenSeals()
    return fold(_open_rows(inspection_id, unsealer, rows, broken, contexts)), broken.count


def workers_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fold_opened(
    inspection: Inspection,
    unsealer: sealing.Unsealer,
    broken: BrokenSeals,
    fold: Callable[[Iterator[Opened]], Any],
    workers: int | None = None,
    total: int | None = None,
) -> Iterator[Any]:
    """Open every response of ``inspection`` and yield ``fold(opened responses)`` for each
    chunk of them, in no particular order; the caller combines the results.

    ``fold`` must be a picklable top-level callable (a ``functools.partial`` of one is
    fine): it runs in worker processes when the inspection has at least ``PARALLEL_FROM``
    responses (``total``, if the caller has counted them) and more than one core is free,
    else here, once, over ``open_all``.
    """
    chunk_rows = CHUNK_ROWS
    workers = workers or workers_available()
    if total is None:
        total = sum(counts(inspection).values())
    if workers < 2 or total < PARALLEL_FROM:
        yield fold(open_all(inspection, unsealer, broken))
        return
    query = (
        select(
            SealedResponse.id,
            SealedResponse.questionnaire_id,
            SealedResponse.questionnaire_version,
            SealedResponse.sealed,
        )
        .where(SealedResponse.inspection_id == inspection.id)
        .execution_options(yield_per=chunk_rows)
    )
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
        result = db.session.execute(query)
        for rows in result.partitions(chunk_rows):
            pending.add(pool.submit(_fold_chunk, [tuple(row) for row in rows]))
            while len(pending) >= 2 * workers:  # bound the rows in flight (memory)
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from _collect(done, broken)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from _collect(done, broken)


def _collect(done, broken: BrokenSeals) -> Iterator[Any]:
    for future in done:
        folded, unopened = future.result()
        broken.count += unopened
        yield folded


def count_opened(opened: Iterable[Opened]) -> int:
    """A ``fold`` for ``fold_opened`` that only opens: how many responses opened."""
    return sum(1 for _ in opened)
