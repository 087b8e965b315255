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

from . import accounts, inspections, responses, units
from .answers import is_asked
from .evidence import report
from .models import Establishment, db
from .questionnaire import DONT_WANT_TO_SAY, Question, Questionnaire

DEMO_PASSPHRASE = "correct horse battery staple"  # noqa: S105  # nosec B105 - public demo data
DEMO_PASSWORD = "demo-inspector-password"  # noqa: S105  # nosec B105 - public demo data
DEMO_EMAIL = "inspector@example.org"
DEMO_ADMIN = "admin@example.org"
#: Comments in each audience's own voice. Each respondent who comments draws one not yet
#: used in that inspection, so no comment repeats by accident; the list runs out before
#: the demo does, and then people simply leave the box empty. One in each list would be
#: flagged, so the safeguarding flags have something to show.
DEMO_COMMENTS = {
    "children": (
        "Staff are mostly kind but there are not enough of them at night.",
        "I want to see my family more.",
        "The food is cold when it gets to our unit.",
        "Education is boring, we do the same worksheets.",
        "My keyworker is good to me.",
        "Sometimes we are stuck in our rooms all evening because of staff shortages.",
        "I want to talk to someone about what happened on the unit last week.",
        "The gym is the best part of the week.",
        "I do not get told when my court date is.",
        "Phone calls home get cut short when the unit is busy.",
        "Some of the older boys take our canteen.",
        "I like cooking in the life skills kitchen.",
    ),
    "staff": (
        "We are often two staff short on the late shift, so association gets cancelled.",
        "Supervision happens, but it is usually cancelled when the unit is busy.",
        "Refresher training is overdue for several of us.",
        "Managers are visible on the units and easy to approach.",
        "Agency staff do not always know the children's plans.",
        "Handovers are rushed and information gets lost between shifts.",
        "A child told me they are scared of another boy who keeps hitting them.",
        "Teachers and care staff rarely meet to plan for each child.",
        "The new key-working model is helping children settle.",
        "Debriefs after incidents rarely happen.",
        "Health staff are easy to reach when a child needs them.",
        "Sickness absence puts pressure on everyone left on shift.",
    ),
}


def synthetic_answers(
    questionnaire: Questionnaire,
    rng: random.Random,
    lean: float,
    comments: list[str] | None = None,
) -> dict:
    """One plausible respondent. ``lean`` is the chance of a positive answer where one exists.

    ``comments`` is the pool of comments still unused (taken from as they are written); by
    default a fresh one in the questionnaire's audience's voice.
    """
    if comments is None:
        comments = list(DEMO_COMMENTS.get(questionnaire.audience, ()))
    answers: dict = {}
    chance = DISCLOSING.get(questionnaire.audience, min(DISCLOSING.values()))
    for question in questionnaire.questions:
        if not is_asked(question, answers) or rng.random() < 0.04:
            continue
        answer = _answer(question, rng, lean, comments, chance)
        if answer is not None:
            answers[question.id] = answer
    return answers


#: The demo establishment's units.
DEMO_UNITS = ("Oak", "Ash", "Beech")

#: Realistic group sizes for background questions (unlisted answers weigh 1).
DEMO_WEIGHTS = {
    "role_group": {"frontline_care": 6, "manager": 2, "senior_leader": 1},
    "age_band": {"age_15_to_16": 3, "age_17_or_older": 2},
    "gender": {"boy": 8},
    "been_in_care": {"yes": 2},
}


#: The chance that a demo respondent gives a question's answer marked as a disclosure (harm,
#: self-harm, misconduct...), by audience: a minority, as in life, not whenever the answer is
#: negative (before, 36 of 40 demo children and 66 of 90 staff disclosed something).
DISCLOSING = {"children": 0.1, "staff": 0.05}


def _answer(
    question: Question,
    rng: random.Random,
    lean: float,
    comments: list[str],
    disclosing_chance: float,
):
    if question.type == "text":
        if not comments or rng.random() >= 0.3:
            return None
        return comments.pop(rng.randrange(len(comments)))
    if rng.random() < 0.05:
        return [DONT_WANT_TO_SAY] if question.type == "multiple" else DONT_WANT_TO_SAY
    real = [option for option in question.option_ids if option != DONT_WANT_TO_SAY]
    disclosing = [option for option in real if option in question.disclosures]
    if disclosing:  # only these, or none of them (when the question has other answers)
        others = [option for option in real if option not in question.disclosures]
        real = disclosing if not others or rng.random() < disclosing_chance else others
    if not real:
        return None
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
    # Named as the children know them; one retired since the previous inspection, so its
    # answers are still labelled by name.
    for place, names in ((establishment, DEMO_UNITS), (comparator, ("North", "South"))):
        for name in names:
            units.add(place, name)
    old_unit = units.add(establishment, "Elm (closed)")
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
            questionnaire = units.for_answering(library.current(audience, place.type), inspection)
            unused = list(DEMO_COMMENTS[audience])
            for _ in range(count):
                ballot = {"nonce": f"demo-{rng.random()}"}
                answers = synthetic_answers(questionnaire, rng, lean, unused)
                responses.submit(inspection, questionnaire, answers, ballot)
        # As if each member of staff had been given a slip and used it ("90 / 90 used"),
        # not "0 / 0" beside 90 staff responses.
        inspection.staff_codes_issued = staff
        if closed:
            inspections.close_inspection(inspection, DEMO_EMAIL)
            # Finalised, as a real earlier inspection would be, so the current one has
            # something to compare with.
            report.finalise(inspection, inspections.unlock(inspection, DEMO_PASSPHRASE))
            # ... a month after it opened, long before the current one opened.
            inspection.closed_on = inspection.opened_on + dt.timedelta(days=7)
            inspection.finalised_on = inspection.opened_on + dt.timedelta(days=30)
        created[label] = inspection.id
        if label == "previous":
            units.retire(old_unit)
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
