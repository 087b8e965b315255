"""Evidence settings: bad values stop the app with a one-line reason."""

from __future__ import annotations

import re

import pytest

from survey_app import config, create_app

GOOD = {"EVIDENCE_TEST": "mid-p", "EVIDENCE_SIGNIFICANCE": 0.01, "DISCLOSURE_THRESHOLD": 5}


def test_the_defaults_are_mid_p_at_one_percent_and_five_respondents(tmp_path, monkeypatch):
    for name in ("SURVEY_EVIDENCE_TEST", "SURVEY_EVIDENCE_SIGNIFICANCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SURVEY_DISCLOSURE_THRESHOLD", raising=False)
    settings = config.settings(str(tmp_path))
    assert {name: settings[name] for name in GOOD} == GOOD
    assert config.evidence_problem(settings) is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"EVIDENCE_SIGNIFICANCE": 0.0}, "SURVEY_EVIDENCE_SIGNIFICANCE must be"),
        ({"EVIDENCE_SIGNIFICANCE": 1.0}, "SURVEY_EVIDENCE_SIGNIFICANCE must be"),
        ({"EVIDENCE_SIGNIFICANCE": -0.05}, "SURVEY_EVIDENCE_SIGNIFICANCE must be"),
        ({"EVIDENCE_SIGNIFICANCE": 5}, "SURVEY_EVIDENCE_SIGNIFICANCE must be"),
        ({"DISCLOSURE_THRESHOLD": 0}, "SURVEY_DISCLOSURE_THRESHOLD must be"),
        ({"DISCLOSURE_THRESHOLD": -3}, "SURVEY_DISCLOSURE_THRESHOLD must be"),
        ({"DISCLOSURE_THRESHOLD": 2.5}, "SURVEY_DISCLOSURE_THRESHOLD must be"),
        ({"EVIDENCE_TEST": "auto"}, "SURVEY_EVIDENCE_TEST must be one of mid-p"),
    ],
)
def test_bad_evidence_settings_get_a_one_line_reason(tmp_path, change, words):
    problem = config.evidence_problem({**GOOD, **change})
    assert problem is not None and problem.startswith(words) and "\n" not in problem
    with pytest.raises(config.BadSetting, match=words):
        create_app({**GOOD, **change, "SECRET_KEY": "test"}, instance_path=str(tmp_path))


def test_the_edges_are_allowed():
    assert config.evidence_problem({**GOOD, "DISCLOSURE_THRESHOLD": 1}) is None
    assert config.evidence_problem({**GOOD, "EVIDENCE_SIGNIFICANCE": 0.999}) is None


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("SURVEY_EVIDENCE_SIGNIFICANCE", "five percent", "must be a number (got 'five percent')"),
        ("SURVEY_DISCLOSURE_THRESHOLD", "5.5", "must be a whole number (got '5.5')"),
    ],
)
def test_unreadable_environment_values_get_a_one_line_reason(
    tmp_path, monkeypatch, name, value, words
):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.BadSetting, match=re.escape(words)):
        config.settings(str(tmp_path))
