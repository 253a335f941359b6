"""``ask --base best`` in a plan keeps one study per step: the first base is frozen, a new best is added to it."""

from __future__ import annotations

import json

import optuna

from archsearch.sweep import Step, base_note, freeze_best_base
from archsearch.sweep._base import recorded_bases


def _search(tmp_path, *trials: tuple[float, int]) -> tuple[str, optuna.Study]:
    """A search study in a SQLite file under ``tmp_path`` (its URL and the study), with (value, layers) trials."""
    storage = f"sqlite:///{tmp_path}/optuna.db"
    search = optuna.create_study(study_name="digits_quick", storage=storage, direction="maximize")
    for value, layers in trials:
        _trial(search, value, layers)
    return storage, search


def _trial(study: optuna.Study, value: float, layers: int) -> None:
    study.add_trial(
        optuna.trial.create_trial(
            params={"layers": layers}, value=value, distributions={"layers": optuna.distributions.IntDistribution(1, 3)}
        )
    )


def test_the_first_best_is_frozen_and_a_new_best_is_added_as_a_base_of_the_same_study(tmp_path):
    storage, search = _search(tmp_path, (0.90, 1), (0.95, 2))
    root = tmp_path / "sweeps"
    step = Step(2, "ask", "spaces/digits_quick.py", ("--factor", "dropout", "--base", "best", "--storage", storage))
    args = freeze_best_base(step.argv(), step, root, "2026-12-06")
    frozen = root / "step-2-base.json"
    assert args[args.index("--base") + 1] == str(frozen) and "--add-base" not in args
    assert json.loads(frozen.read_text()) == {"layers": 2}
    # One base: which trial, and how much of the search had run (a search stopped partway that night shows)
    assert base_note(step, root) == (
        f"step 2: asked on trial 1 of digits_quick (0.95, the best of its 2 finished trials then; frozen 2026-12-06, "
        f"{frozen}); a better one found later is added as a new base"
    )
    assert freeze_best_base(step.argv(), step, root, "2026-12-06") == args  # the same night again

    _trial(search, 0.97, 3)  # the next night's search finds a better configuration
    night2 = freeze_best_base(step.argv(), step, root, "2026-12-07")
    added = root / "step-2-base-2.json"
    assert night2 == [*args, "--add-base", str(added)]  # the first base names the study; the new one adds to it
    assert json.loads(frozen.read_text()) == {"layers": 2} and json.loads(added.read_text()) == {"layers": 3}
    assert [(b["trial"], b["night"]) for b in recorded_bases(root, step)] == [(1, "2026-12-06"), (2, "2026-12-07")]
    assert freeze_best_base(step.argv(), step, root, "2026-12-08") == night2  # unchanged best: the same bases
    note = base_note(step, root)
    assert note.startswith("step 2: the search's best moved on: its question is asked on 2 bases in one study")
    assert "base 1: trial 1 (0.95, since 2026-12-06); 2: trial 2 (0.97, since 2026-12-07)" in note


def test_a_base_file_of_an_earlier_version_is_read_as_the_first_base(tmp_path):
    storage, _ = _search(tmp_path, (0.95, 2), (0.97, 3))
    root = tmp_path / "sweeps"
    root.mkdir()
    (root / "step-2-base.json").write_text('{"layers": 2}')
    old = {"study": "digits_quick", "trial": 0, "value": 0.95, "night": "2026-12-05"}
    (root / "step-2-base.from.json").write_text(json.dumps(old))
    step = Step(2, "ask", "spaces/digits_quick.py", ("--factor", "dropout", "--base", "best", "--storage", storage))
    args = freeze_best_base(step.argv(), step, root, "2026-12-06")
    assert args[-2:] == ["--add-base", str(root / "step-2-base-2.json")]
    assert [b["trial"] for b in recorded_bases(root, step)] == [0, 1]


def test_with_matched_sizes_the_first_base_stays_and_a_new_best_is_said(tmp_path):
    storage, search = _search(tmp_path, (0.90, 1))
    root = tmp_path / "sweeps"
    options = ("--factor", "layers", "--base", "best", "--match-size", "auto", "--storage", storage)
    step = Step(2, "ask", "spaces/digits_quick.py", options)
    args = freeze_best_base(step.argv(), step, root, "2026-12-06")
    _trial(search, 0.97, 3)
    assert freeze_best_base(step.argv(), step, root, "2026-12-07") == args  # matched sizes: one base per study
    note = base_note(step, root)
    assert note.startswith("step 2: its base is trial 0 of digits_quick (frozen 2026-12-06, ")
    assert "the search's best is now trial 1 (0.97): --match-size keeps one base per study" in note


def test_other_steps_and_a_search_without_trials_are_left_alone(tmp_path):
    storage, _ = _search(tmp_path)
    run = Step(1, "run", "spaces/digits_quick.py", ("--trials", "3"))
    assert freeze_best_base(run.argv(), run, tmp_path, "2026-12-06") == run.argv()
    ask = Step(2, "ask", "spaces/digits_quick.py", ("--factor", "layers", "--base", "best", "--storage", storage))
    assert freeze_best_base(ask.argv(), ask, tmp_path, "2026-12-06") == ask.argv()  # ask says "no complete trial"
    assert not (tmp_path / "step-2-base.json").exists()


def test_a_step_without_storage_looks_in_the_storage_the_command_line_passes(tmp_path):
    storage = f"sqlite:///{tmp_path}/elsewhere.db"  # $ARCHSEARCH_STORAGE, which the step's own command reads too
    search = optuna.create_study(study_name="digits_quick", storage=storage, direction="maximize")
    _trial(search, 0.9, 2)
    step = Step(2, "ask", "spaces/digits_quick.py", ("--factor", "dropout", "--base", "best"))
    assert freeze_best_base(step.argv(), step, tmp_path / "sweeps", "2026-12-06") == step.argv()  # default: none
    args = freeze_best_base(step.argv(), step, tmp_path / "sweeps", "2026-12-06", storage)
    assert json.loads((tmp_path / "sweeps" / "step-2-base.json").read_text()) == {"layers": 2}
    assert args[args.index("--base") + 1] == str(tmp_path / "sweeps" / "step-2-base.json")


def test_a_second_machine_takes_the_first_machines_base_so_both_ask_in_one_study(tmp_path):
    storage, search = _search(tmp_path, (0.95, 2))  # one storage for both machines (PostgreSQL in real use)
    step = Step(2, "ask", "spaces/digits_quick.py", ("--factor", "dropout", "--base", "best", "--storage", storage))
    a, b = tmp_path / "a" / "nightly", tmp_path / "b" / "nightly"  # each machine's own mlruns/sweeps/<plan>
    freeze_best_base(step.argv(), step, a, "2026-12-06")
    _trial(search, 0.97, 3)  # a better trial, before machine b first runs the step
    on_b = freeze_best_base(step.argv(), step, b, "2026-12-07")
    assert json.loads((b / "step-2-base.json").read_text()) == {"layers": 2}  # a's first base: a's study
    assert on_b[-2:] == ["--add-base", str(b / "step-2-base-2.json")]  # the new best as evidence in it
    assert [(x["trial"], x["night"]) for x in recorded_bases(b, step)] == [(0, "2026-12-06"), (1, "2026-12-07")]
    on_a = freeze_best_base(step.argv(), step, a, "2026-12-07")
    assert [x["trial"] for x in recorded_bases(a, step)] == [x["trial"] for x in recorded_bases(b, step)]
    assert (
        on_a[-1].endswith("step-2-base-2.json")
        and (a / "step-2-base-2.json").read_text() == (b / "step-2-base-2.json").read_text()
    )
