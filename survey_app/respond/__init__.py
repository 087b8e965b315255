"""Respondents: the children's kiosk and the staff journey.

Both journeys share one shape: choose a language, read what happens to your
answers, answer (the page holds every answer until the final button), send.
The server keeps no partial state; a submission is validated, sealed and stored
in one step, or shown again with the answers still in the page.
"""

from flask import Blueprint

blueprint = Blueprint("respond", __name__)

from . import kiosk, offline, staff  # noqa: E402,F401  (routes register on import)
