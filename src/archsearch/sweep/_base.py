"""``ask --base best`` in a plan: one study per step, night after night.

An ablation's study is named after its design, and the base is part of the
design: left as ``best``, a new best trial would start a new study every night
and the seeds of the nights before would not add up. So the first night a step
runs, the sweep writes the search's best configuration to a JSON file next to
the plan's nights (``mlruns/sweeps/<plan>/step-N-base.json``, with the trial
and the night it came from) and passes that file as ``--base``: the step keeps
its study and gathers seeds. When the search's best moves on, the summary says
so (a new configuration to ask as a level or a new step: new evidence, not a
silent new study).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archsearch.sweep._plan import Step
from archsearch.sweep._state import write_atomic

__all__ = ["base_file", "freeze_best_base", "frozen_base_note"]

_BEST = "best"


def base_file(root: Path, step: Step) -> Path:
    return root / f"step-{step.number}-base.json"


def freeze_best_base(args: list[str], step: Step, root: Path, night: str, storage: str | None = None) -> list[str]:
    """``args`` with ``--base best`` replaced by the frozen base file (written the first time, from the
    search study's best trial). Unchanged when the step is not an ``ask --base best`` or no trial is complete
    yet (then the step says so itself, in ask's words). ``storage``: the steps' storage when the step names
    none (the command line's ``$ARCHSEARCH_STORAGE``)."""
    if step.command != "ask" or step.option("base") != _BEST:
        return args
    path = base_file(root, step)
    if not path.is_file():
        best = _best(step, storage)
        if best is None:
            return args
        root.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(best["params"], indent=1, sort_keys=True) + "\n")
        write_atomic(
            path.with_suffix(".from.json"),
            json.dumps({"study": best["study"], "trial": best["trial"], "value": best["value"], "night": night}) + "\n",
        )
    out = list(args)
    out[out.index("--base") + 1] = str(path)
    return out


def frozen_base_note(step: Step, root: Path, storage: str | None = None) -> str | None:
    """One line when the search's best is no longer the frozen base; None otherwise."""
    path = base_file(root, step)
    origin = path.with_suffix(".from.json")
    if not path.is_file() or not origin.is_file():
        return None
    best = _best(step, storage)
    frozen = json.loads(origin.read_text())
    if best is None or best["trial"] == frozen["trial"]:
        return None
    return (
        f"step {step.number}: its base is trial {frozen['trial']} of {frozen['study']} (frozen "
        f"{frozen['night']}, {path}); the search's best is now trial {best['trial']} ({best['value']:.4g}): "
        "ask it as a new level or a new step, or delete the file to start a new study"
    )


def _best(step: Step, storage: str | None) -> dict[str, Any] | None:
    import optuna

    from archsearch.study import open_study

    name = Path(step.space).stem
    try:
        study = open_study(name, step.option("storage") or storage)
    except Exception:  # noqa: BLE001 - no search study yet: ask says so in its own words
        return None
    complete = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        return None
    best = study.best_trial
    return {"study": name, "trial": best.number, "value": best.value, "params": dict(best.params)}
