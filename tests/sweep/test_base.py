"""``ask --base best`` in a plan keeps one study per step: the base is frozen the first night and recorded."""

from __future__ import annotations

import json

import optuna

from archsearch.sweep import Step, freeze_best_base, frozen_base_note


def _trial(study: optuna.Study, value: float, layers: int) -> None:
    study.add_trial(
        optuna.trial.create_trial(
            params={"layers": layers}, value=value, distributions={"layers": optuna.distributions.IntDistribution(1, 3)}
        )
    )


def test_the_best_base_is_frozen_the_first_night_and_a_new_best_is_said_not_followed(tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    search = optuna.create_study(study_name="digits_quick", storage=storage, direction="maximize")
    _trial(search, 0.90, 1)
    _trial(search, 0.95, 2)
    step = Step(2, "ask", "spaces/digits_quick.py", ("--factor", "dropout", "--base", "best", "--storage", storage))
    args = freeze_best_base(step.argv(), step, tmp_path / "sweeps", "2026-12-06")
    frozen = tmp_path / "sweeps" / "step-2-base.json"
    assert args[args.index("--base") + 1] == str(frozen)
    assert json.loads(frozen.read_text()) == {"layers": 2}
    assert frozen_base_note(step, tmp_path / "sweeps") is None  # still the best
    _trial(search, 0.97, 3)  # the next night's search finds a better configuration
    again = freeze_best_base(step.argv(), step, tmp_path / "sweeps", "2026-12-07")
    assert again == args and json.loads(frozen.read_text()) == {"layers": 2}  # the same base: the same study
    note = frozen_base_note(step, tmp_path / "sweeps")
    assert note.startswith("step 2: its base is trial 1 of digits_quick (frozen 2026-12-06, ")
    assert "the search's best is now trial 2 (0.97)" in note


def test_other_steps_and_a_search_without_trials_are_left_alone(tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    optuna.create_study(study_name="digits_quick", storage=storage, direction="maximize")
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
