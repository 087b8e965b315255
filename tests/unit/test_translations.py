"""One catalogue for interface and questionnaire text: current, complete and well-formed."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey_app.languages import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "translations" / "messages.pot"
EXTRACT = ["-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k", "plural_templates:1,2"]
EXTRACT += ["--no-location", "--sort-output"]  # as scripts/translations.sh extract


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


def test_countdowns_count_right_in_every_language(tmp_path):
    """The kiosk's countdowns change in the browser; it picks the words for each number by the
    language's plural category (Intl.PluralRules), from templates the server made with ngettext."""
    import json

    from flask_babel import force_locale

    from survey_app import create_app
    from survey_app.languages import plural_templates

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/unused.db"},
        instance_path=str(tmp_path),
    )
    expected = {
        "en": {"one": "{n} second left", "other": "{n} seconds left"},
        "pl": {"one": "Została {n} sekunda", "few": "Zostały {n} sekundy",
               "many": "Zostało {n} sekund"},
        "ar": {"one": "ثانية واحدة متبقية", "two": "ثانيتان متبقيتان",
               "few": "{n} ثوانٍ متبقية", "many": "{n} ثانية متبقية"},
    }  # fmt: skip
    with app.test_request_context():
        for language, forms in expected.items():
            with force_locale(language):
                templates = json.loads(
                    plural_templates("%(num)s second left", "%(num)s seconds left")
                )
            for category, words in forms.items():
                assert templates[category] == words, (language, category)


def test_dates_and_times_are_written_as_the_readers_language_writes_them(tmp_path):
    """English as in the United Kingdom, never Babel's plain "en" ("Dec 4, 2026", "6:13 PM");
    every other language by its own rules; times in UTC, without seconds."""
    import datetime as dt

    from flask_babel import force_locale

    from survey_app import create_app
    from survey_app.evidence import labels

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/unused.db"},
        instance_path=str(tmp_path),
    )
    moment = "2026-12-04T18:13:05Z"
    aware = dt.datetime(2026, 12, 4, 19, 13, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    expected = {
        "en": ("4 Dec 2026", "18:13"),
        "cy": ("4 Rhag 2026", "18:13"),
        "pl": ("4 gru 2026", "18:13"),
        "ro": ("4 dec. 2026", "18:13"),
    }
    with app.test_request_context():
        for language, (day, time) in expected.items():
            with force_locale(language):
                assert labels.date(moment) == day, language
                assert labels.date(dt.date(2026, 12, 4)) == day, language
                assert labels.time(moment) == time, language
                assert labels.time(aware) == time, language  # the same moment, from UTC+1
                assert day in labels.datetime(moment) and "18:13" in labels.datetime(moment)
        with force_locale("ar"):
            assert "2026" in labels.date(moment) or "٢٠٢٦" in labels.date(moment)
            assert "Dec" not in labels.date(moment)
        assert labels.date(None) == labels.time("") == labels.datetime(None) == ""
