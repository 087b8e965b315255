"""The false-verdict simulation (benchmarks/verdicts.py) in small: CI checks that the
evidence's rule does not cry wolf. The full figures (2,000 inspections) are in
docs/methodology.md."""

from __future__ import annotations

from benchmarks.verdicts import main, questionnaire_shape, simulate


def test_the_simulated_questionnaire_has_the_childrens_shape():
    shape = questionnaire_shape()
    assert len(shape) == 39
    assert len({area for _q, area, _f in shape}) == 9
    assert not shape[0][2]  # the question changed alone is answered by every child


def test_no_true_change_rarely_gives_a_verdict_and_real_change_is_found_more_often():
    rates = simulate(200, children=35, level=0.01, seed=2)
    # The level is 0.01; 200 runs leave room for chance (3 in 200 is still a pass).
    assert rates["false_verdict"] <= 0.03
    # Without Holm about a quarter to a third of inspections get a verdict: the test has teeth.
    assert rates["false_verdict_unadjusted"] >= 0.15
    assert rates["one_marked"] <= rates["one_marked_unadjusted"]
    assert rates["one_marked"] <= rates["area_found"] <= rates["all_found"]
    assert rates["all_found"] >= 0.1


def test_the_command_rejects_bad_input(capsys):
    import pytest

    for argv in (["--level", "1.5"], ["--simulations", "0"]):
        with pytest.raises(SystemExit):
            main(argv)
    assert "must be" in capsys.readouterr().err
