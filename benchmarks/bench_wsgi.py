"""The app, plus the baseline the submission benchmark compares against.

``POST /bench/insert-one`` inserts one row and answers 204: the same app, server, workers
and database doing the least a write can do. It exists only in this module, which only the
benchmark serves; ``wsgi.py`` never has it.
"""

import secrets

from survey_app import create_app, csrf
from survey_app.models import SpentBallot, db

app = create_app()


@app.post("/bench/insert-one")
@csrf.exempt
def insert_one():
    db.session.add(SpentBallot(ballot_hash=secrets.token_hex(32)))
    db.session.commit()
    return "", 204
