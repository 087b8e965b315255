"""How often the evidence cries wolf, and how often it finds a real change.

    python -m benchmarks.verdicts [--simulations 2000] [--children 35] [--seed 13]

Simulates pairs of inspections (previous and current) shaped like the shipped children's
questionnaire: its 39 questions with a positive outcome, in their 9 inspection areas, each
unfiltered question answered by every child (35 by default), each filtered question by a
random 10 to 25 of them, every question with its own baseline proportion drawn uniformly
between 0.2 and 0.8. Each pair goes through the evidence's own rule (``report.compare``:
Fisher's mid-p; ``report.adjust_questionnaire``: Holm; ``Builder.area_summary``: the
verdicts) at the configured level (0.01 by default).

* No true change: the false-verdict rate is the share of inspections where any area, or the
  whole questionnaire, gets a verdict other than "no change". It must be at or below the
  level. The same rate without Holm (each question on its own p) is printed beside it.
* A realistic change of 15 percentage points on 35 children: the power to mark one changed
  question; to call its area improving when every question of one area (safety, 5
  questions) changes; and to call the questionnaire improving when every question changes.

The last line says whether the false-verdict rate meets the level, with every figure.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHANGE = 0.15
FILTERED_BASE = (10, 25)
BASELINE = (0.2, 0.8)
CHANGED_AREA = "safety"


def questionnaire_shape() -> list[tuple[str, str, bool]]:
    """``(question id, area, filtered)`` for every measured question of the children's one."""
    from survey_app.evidence.breakdown import is_measured
    from survey_app.questionnaire import Library

    library = Library.from_directory(ROOT / "questionnaires")
    children = library.get("children-stc", 1)
    return [(q.id, q.area, q.when is not None) for q in children.questions if is_measured(q)]


def simulate(
    simulations: int, children: int = 35, level: float = 0.01, seed: int = 13
) -> dict[str, float]:
    """Rates over ``simulations`` simulated inspections for each scenario (see the docstring)."""
    from survey_app.evidence import report, statistics

    method = report.Method("mid-p", level, 5)
    cached = functools.lru_cache(maxsize=None)(statistics.compare_proportions)
    shape = questionnaire_shape()
    rng = random.Random(seed)

    def base(filtered: bool) -> int:
        return rng.randint(*FILTERED_BASE) if filtered else children

    def binomial(n: int, p: float) -> int:
        return sum(rng.random() < p for _ in range(n))

    def inspection(shift: dict[str, float]) -> list[dict]:
        questions = []
        for question_id, area, filtered in shape:
            p = rng.uniform(*BASELINE)
            n_before, n_now = base(filtered), base(filtered)
            before = binomial(n_before, p)
            now = binomial(n_now, min(1.0, p + shift.get(question_id, 0.0)))
            comparison = report.compare(method, n_now, now, n_before, before)
            questions.append(
                {
                    "id": question_id,
                    "area": area,
                    "background": False,
                    "comparisons": {"previous": comparison, "comparator": None},
                }
            )
        return questions

    everything = {question_id: CHANGE for question_id, _a, _f in shape}
    in_area = {q: CHANGE for q, area, _f in shape if area == CHANGED_AREA}
    first = shape[0][0]  # an unfiltered question: answered by every child
    counts = dict.fromkeys(
        (
            "false_verdict",
            "false_verdict_unadjusted",
            "one_marked",
            "one_marked_unadjusted",
            "area_found",
            "all_found",
        ),
        0,
    )
    original = report.compare_many
    # The same rule, remembered across identical tables.
    report.compare_many = lambda samples, **options: [cached(*s, **options) for s in samples]
    try:
        for _ in range(simulations):
            null = inspection({})
            counts["false_verdict_unadjusted"] += any(
                q["comparisons"]["previous"]["mark"] for q in null
            )
            report.adjust_questionnaire(null, level)
            change = report.Builder.area_summary(null)
            verdicts = [a["verdict"] for a in change["areas"]] + [change["overall"]["verdict"]]
            counts["false_verdict"] += any(v != "no_change" for v in verdicts)

            one = inspection({first: CHANGE})
            counts["one_marked_unadjusted"] += one[0]["comparisons"]["previous"]["mark"] == "better"
            report.adjust_questionnaire(one, level)
            counts["one_marked"] += one[0]["comparisons"]["previous"]["mark"] == "better"

            area = inspection(in_area)
            report.adjust_questionnaire(area, level)
            areas = {a["area"]: a["verdict"] for a in report.Builder.area_summary(area)["areas"]}
            counts["area_found"] += areas[CHANGED_AREA] == "improving"

            whole = inspection(everything)
            report.adjust_questionnaire(whole, level)
            counts["all_found"] += (
                report.Builder.area_summary(whole)["overall"]["verdict"] == "improving"
            )
    finally:
        report.compare_many = original
    return {name: count / simulations for name, count in counts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=2000)
    parser.add_argument("--children", type=int, default=35)
    parser.add_argument("--level", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    if args.simulations < 1 or args.children < 1:
        parser.error("--simulations and --children must be at least 1")
    if not 0 < args.level < 1:
        parser.error("--level must be between 0 and 1, exclusive")
    began = time.perf_counter()
    rates = simulate(args.simulations, args.children, args.level, args.seed)
    seconds = time.perf_counter() - began
    questions = len(questionnaire_shape())
    ok = rates["false_verdict"] <= args.level
    print(
        f"{'meets' if ok else 'MISSES'} the level: false-verdict rate "
        f"{rates['false_verdict']:.4f} with Holm (goal <= {args.level}; "
        f"{rates['false_verdict_unadjusted']:.3f} without); power at +15 points: one question "
        f"{rates['one_marked']:.3f} ({rates['one_marked_unadjusted']:.3f} without), "
        f"a whole area ({CHANGED_AREA}) {rates['area_found']:.3f}, "
        f"every question {rates['all_found']:.3f}; "
        f"{args.simulations} simulated inspections of {args.children} children, "
        f"{questions} questions, {seconds:.1f} s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
