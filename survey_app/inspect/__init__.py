"""Inspectors: sign-in, inspections, kiosks and codes, unlocking and evidence."""

from flask import Blueprint

blueprint = Blueprint("inspect", __name__, url_prefix="/inspector")

from . import evidence, help_views, keys, two_step, unit_views, views  # noqa: E402,F401  (routes register on import)
