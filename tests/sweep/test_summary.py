"""The morning summary over two nights: a flipped verdict, the best trial vs last night's, failures, idle steps.

The inputs are built directly (no training); the verdict words are the report's own (format_effect), so the
golden file holds placeholders for them.
"""

from __future__ import annotations

import json
from pathlib import Path

from archsearch.analysis import HELPS, UNCLEAR
from archsearch.report import format_effect
from archsearch.sweep import NightState, StepState, summary_data, write_summary

GOLDEN = Path(__file__).with_name("summary_golden.md")


def _effect(verdict: str, diff: float, low: float, high: float, n: int, needed: int | None) -> dict:
    e = {
        "level": "3",
        "reference": "1",
        "verdict": verdict,
        "diff": diff,
        "ci_low": low,
        "ci_high": high,
        "n": n,
        "n_ref": n,
        "seeds_needed": needed,
        "more_needed": None,
        "exploratory": False,
    }
    return {**e, "summary": format_effect(e, "val_accuracy")}


def _night(night: str, effect: dict, best: float, params: dict, *, trials: tuple[int, int]) -> NightState:
    answers = {
        "objective": "val_accuracy",
        "best": {"trial": 4, "value": best, "params": params},
        "questions": [{"param": "layers", "effects": [effect]}],
    }
    steps = [
        StepState(
            1,
            "run",
            "archsearch run spaces/digits_quick.py --trials 40",
            status="stopped",
            reason="deadline",
            started=f"{night}T01:00:00+00:00",
            ended=f"{night}T05:50:00+00:00",
            seconds=17400.0,
            study="digits_quick",
            trials_before=trials[0],
            trials_after=trials[1],
            target=40,
            failures=["trial 17: ValueError: negative dimension size"],
        ),
        StepState(
            2,
            "ask",
            "archsearch ask spaces/digits_quick.py --factor layers",
            status="done",
            seconds=1200.0,
            study="digits_quick-ablation-layers-ab12cd34",
            trials_before=10,
            trials_after=20,
            target=20,
            answers=answers,
        ),
        StepState(3, "report", "archsearch report spaces/digits_quick.py", status="done", seconds=30.0),
        StepState(
            4,
            "run",
            "archsearch run spaces/mnist_sample_cnn.py --trials 20",
            status="done",
            seconds=4.0,
            study="mnist_sample_cnn",
            trials_before=20,
            trials_after=20,
            target=20,
        ),
    ]
    return NightState(
        "search/nightly.toml",
        night,
        f"{night}T01:00:00+00:00",
        deadline=f"{night}T07:00:00+00:00",
        ended=f"{night}T06:51:00+00:00",
        why="deadline",
        host="lab1",
        steps=steps,
    )


def test_two_nights_golden(tmp_path):
    unclear = _effect(UNCLEAR, 0.004, -0.002, 0.010, 5, 12)
    helps = _effect(HELPS, 0.009, 0.003, 0.015, 10, 12)
    monday = _night("2026-12-06", unclear, 0.9611, {"layers": 2, "units": 64}, trials=(0, 22))
    tuesday = _night("2026-12-07", helps, 0.9652, {"layers": 3, "units": 64}, trials=(22, 38))
    path = write_summary(tmp_path, tuesday, monday)
    expected = GOLDEN.read_text().replace("{unclear}", unclear["summary"]).replace("{helps}", helps["summary"])
    assert path.read_text() == expected
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data == summary_data(tuesday, monday)
    assert data["questions"][0]["flipped"] and data["questions"][0]["previous_verdict"] == UNCLEAR
    assert data["best"][0]["changed"] and data["best"][0]["previous_value"] == 0.9611
    assert data["left_running"] == [] and data["nothing_to_do"] == [
        "step 4: archsearch run spaces/mnist_sample_cnn.py --trials 20"
    ]


def test_the_first_night_has_nothing_to_compare_and_a_step_left_running_is_named(tmp_path):
    night = _night("2026-12-06", _effect(UNCLEAR, 0.0, -0.01, 0.01, 3, 30), 0.95, {"layers": 2}, trials=(0, 5))
    night.steps[0].status, night.why = "running", None
    night.steps[1].running = 1
    data = summary_data(night, None)
    assert data["previous_night"] is None and not data["questions"][0]["flipped"]
    assert data["why"] == "running"
    assert data["left_running"] == [
        "step 1: archsearch run spaces/digits_quick.py --trials 40",
        "step 2: 1 trial(s) of digits_quick-ablation-layers-ab12cd34",
    ]
    assert data["headline"][-1].startswith("Left RUNNING: step 1:")


def test_a_search_effect_counts_trials_and_advice_beyond_reach_is_no_seed_count(tmp_path):
    # A search's "too few trials" (its power over trials said 9538) and an ablation's open comparison that needs
    # more than MAX_SEEDS_ADVICE seeds per level: neither is a "Needs more seeds" line with a number.
    search = {**_effect("too few trials", 0.02, -0.05, 0.09, 17, 9538), "exploratory": True, "n_ref": 3}
    search |= {"trials_needed": 42, "summary": "too few trials: ..."}
    far = _effect(UNCLEAR, 0.001, -0.01, 0.012, 3, 3006)
    near = {**_effect(UNCLEAR, 0.004, -0.002, 0.010, 5, 12), "level": "2"}
    night = _night("2026-12-06", far, 0.95, {"layers": 2}, trials=(0, 40))
    night.steps[1].answers["questions"] = [
        {"param": "layers", "effects": [far, near]},
        {"param": "units", "effects": [{**search, "level": "64", "reference": "32"}]},
    ]
    data = summary_data(night, None)
    cells = {(q["question"], q["level"]): q["run_and_needed"] for q in data["questions"]}
    assert cells == {
        ("layers", "3"): "3 / out of reach (over 100 per level)",
        ("layers", "2"): "5 / 12 (7 more)",
        ("units", "64"): "17 vs 3 trials / about 42 trials",
    }
    (more,) = [line for line in data["headline"] if line.startswith("Needs more seeds")]
    assert more == "Needs more seeds: layers 2 vs 1: 7 more (5 run, 12 needed)"
    table = write_summary(tmp_path, night).read_text()
    assert "| 17 vs 3 trials / about 42 trials | new |" in table and "9538" not in table
    assert "| 3 / out of reach (over 100 per level) | new |" in table


def test_a_night_of_one_step_says_one_step():
    night = _night("2026-12-06", _effect(UNCLEAR, 0.0, -0.01, 0.01, 3, 30), 0.95, {"layers": 2}, trials=(0, 5))
    night.steps = night.steps[2:3]  # the report step alone
    assert summary_data(night, None)["headline"][0].endswith("; 1 step: 1 done.")
