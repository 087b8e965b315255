"""One catalogue for interface and questionnaire text: current, complete and well-formed."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey_app.languages import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "translations" / "messages.pot"
EXTRACT = ["-F", "babel.cfg", "-k", "_l", "-k", "N_", "--no-location", "--sort-output"]


def message_ids(path: Path) -> set:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_translation_template_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            *EXTRACT,
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    stale = message_ids(fresh) ^ message_ids(TEMPLATE)
    assert not stale, (
        "translations/messages.pot is stale: run scripts/translations.sh extract and update; "
        f"{len(stale)} messages differ, for example {sorted(stale, key=str)[:5]}"
    )


@pytest.mark.parametrize("code", sorted(set(LANGUAGES) - {"en"}))
def test_every_language_is_complete_and_well_formed(code):
    path = ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    wanted = message_ids(TEMPLATE)
    missing = [
        m.id
        for m in catalogue
        if m.id in wanted and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    missing += sorted(wanted - {m.id for m in catalogue}, key=str)
    assert not missing, f"{code}: {len(missing)} untranslated, for example {missing[:5]}"
    assert not [m.id for m in catalogue if m.fuzzy and m.id], f"{code}: fuzzy entries are not used"
    problems = [(message.id, error) for message, errors in catalogue.check() for error in errors]
    assert not problems, f"{code}: {problems[:5]}"
    assert "NEEDS REVIEW" in path.read_text(encoding="utf-8")
