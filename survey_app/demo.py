"""``flask --app wsgi demo``: a believable inspection to explore, sealed like real data.

Synthetic answers follow each question's routing. The previous inspection's
answers lean negative and the current one's lean positive, so comparisons
have something to show; the previous and comparator inspections are finalised,
so their counts are published for the comparisons. Nothing here resembles a
real child or member of staff.
"""

from __future__ import annotations

import datetime as dt
import random

import click
from flask import current_app
from flask.cli import with_appcontext

from . import accounts, inspections, responses
from .answers import is_asked
from .evidence import report
from .models import Establishment, db
from .questionnaire import DONT_WANT_TO_SAY, Question, Questionnaire

DEMO_PASSPHRASE = "correct horse battery staple"  # noqa: S105  # nosec B105 - public demo data
DEMO_PASSWORD = "demo-inspector-password"  # noqa: S105  # nosec B105 - public demo data
DEMO_EMAIL = "inspector@example.org"
DEMO_ADMIN = "admin@example.org"
DEMO_COMMENTS = (
    "Staff are mostly kind but there are not enough of them at night.",
    "I want to see my family more.",
    "The food is cold when it gets to our unit.",
    "Education is boring, we do the same worksheets.",
    "My keyworker helps me a lot.",
    "Sometimes we are stuck in our rooms all evening because of staff shortages.",
    "I want to talk to someone about what happened on the unit last week.",
)


def synthetic_answers(questionnaire: Questionnaire, rng: random.Random, lean: float) -> dict:
    """One plausible respondent. ``lean`` is the chance of a positive answer where one exists."""
    answers: dict = {}
    for question in questionnaire.questions:
        if not is_asked(question, answers) or rng.random() < 0.04:
            continue
        answer = _answer(question, rng, lean)
        if answer is not None:
            answers[question.id] = answer
    return answers


#: Realistic group sizes for background questions (unlisted answers weigh 1).
DEMO_WEIGHTS = {
    "role_group": {"frontline_care": 6, "manager": 2, "senior_leader": 1},
    "age_band": {"age_15_to_16": 3, "age_17_or_older": 2},
    "gender": {"boy": 8},
    "been_in_care": {"yes": 2},
}


def _answer(question: Question, rng: random.Random, lean: float):
    if question.type == "text":
        return rng.choice(DEMO_COMMENTS) if rng.random() < 0.3 else None
    if rng.random() < 0.05:
        return [DONT_WANT_TO_SAY] if question.type == "multiple" else DONT_WANT_TO_SAY
    real = [option for option in question.option_ids if option != DONT_WANT_TO_SAY]
    positive = [option for option in real if option in question.positive]
    other = [option for option in real if option not in question.positive]
    if question.type == "multiple":
        chosen = [option for option in real if rng.random() < (0.5 if option in positive else 0.2)]
        return chosen or [rng.choice(real)]
    if positive and other:
        return rng.choice(positive if rng.random() < lean else other)
    weights = DEMO_WEIGHTS.get(question.id, {})
    return rng.choices(real, weights=[weights.get(option, 1) for option in real])[0]


def load_demo(children: int = 40, staff: int = 90, seed: int | None = None) -> dict:
    """Create the demo establishment, inspections, accounts and sealed responses."""
    rng = random.Random(seed)  # noqa: S311  # nosec B311 - synthetic data, not security
    library = current_app.extensions["questionnaires"]
    inspector = accounts.create(DEMO_EMAIL, DEMO_PASSWORD, "lead")
    accounts.create(DEMO_ADMIN, DEMO_PASSWORD, "admin")
    establishment = Establishment(name="Brookfield Secure Training Centre (demo)", type="stc")
    comparator = Establishment(name="Ashdown Secure Training Centre (demo)", type="stc")
    db.session.add_all([establishment, comparator])
    created = {}
    plans = [
        ("previous", establishment, 365, 0.55, True),
        ("comparator", comparator, 120, 0.65, True),
        ("current", establishment, 0, 0.7, False),
    ]
    for label, place, days_ago, lean, closed in plans:
        inspection = inspections.create_inspection(place, "full", DEMO_PASSPHRASE, [inspector])
        inspection.opened_on = dt.date.today() - dt.timedelta(days=days_ago)
        for audience, count in (("children", children), ("staff", staff)):
            questionnaire = library.current(audience, place.type)
            for _ in range(count):
                ballot = {"nonce": f"demo-{rng.random()}"}
                responses.submit(
                    inspection, questionnaire, synthetic_answers(questionnaire, rng, lean), ballot
                )
        if closed:
            inspections.close_inspection(inspection)
            # Finalised, as a real earlier inspection would be, so the current one has
            # something to compare with.
            report.finalise(inspection, inspections.unlock(inspection, DEMO_PASSPHRASE))
            # ... a month after it opened, long before the current one opened.
            inspection.closed_on = inspection.opened_on + dt.timedelta(days=7)
            inspection.finalised_on = inspection.opened_on + dt.timedelta(days=30)
        created[label] = inspection.id
    db.session.commit()
    return created


@click.command("demo")
@click.option("--children", type=click.IntRange(0, 100000), default=40, show_default=True)
@click.option("--staff", type=click.IntRange(0, 100000), default=90, show_default=True)
@with_appcontext
def demo(children: int, staff: int) -> None:
    """Load an establishment, a previous and a current inspection, accounts and responses."""
    if accounts.find(DEMO_EMAIL) is not None:
        click.echo("The demo is already loaded.")
    elif accounts.find(DEMO_ADMIN) is not None:
        raise click.ClickException(f"an account for {DEMO_ADMIN} already exists; the demo needs it")
    else:
        created = load_demo(children, staff)
        click.echo(f"Current inspection: {created['current']}")
        click.echo(f"Previous inspection: {created['previous']}")
    click.echo(f"Sign in at {current_app.config['PUBLIC_URL']}/inspector/sign-in")
    click.echo(f"  inspector: {DEMO_EMAIL} / {DEMO_PASSWORD}")
    click.echo(f"  administrator: {DEMO_ADMIN} / {DEMO_PASSWORD}")
    click.echo(f"Demo passphrase for every demo inspection: {DEMO_PASSPHRASE}")
