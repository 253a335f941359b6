"""``ask --base best`` in a plan: one study per step, night after night, and a new best as new evidence in it.

An ablation's study is named after its design, and the base is part of the
design: left as ``best``, a new best trial would start a new study every night
and the seeds of the nights before would not add up. So the first night a step
runs, the sweep writes the search's best configuration to a JSON file next to
the plan's nights (``mlruns/sweeps/<plan>/step-N-base.json``) and passes that
file as ``--base``: the step keeps its study and gathers seeds. When the
search's best moves on, the sweep writes it to ``step-N-base-K.json`` (K = 2,
3, ...) and passes it as ``--add-base``: the same levels are asked on the new
best, with new seeds, in the same study, whose verdicts pool every base's
paired differences (:mod:`archsearch.ablation._evidence`). Each base's trial,
value and night are recorded in ``step-N-base.from.json`` and said in the
summary's notes.

Several machines running one plan on one storage ask in one study: the first
base is also recorded on the search study (a user attribute named after the plan
and the step), and a machine with no base of its own yet takes that one rather
than the search's best of the moment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archsearch.sweep._plan import Step
from archsearch.sweep._state import write_atomic

__all__ = ["base_file", "base_note", "freeze_best_base"]

_BEST = "best"


def base_file(root: Path, step: Step, number: int = 1) -> Path:
    """The file of the step's base ``number`` (1: the first night's)."""
    return root / (f"step-{step.number}-base.json" if number == 1 else f"step-{step.number}-base-{number}.json")


def freeze_best_base(args: list[str], step: Step, root: Path, night: str, storage: str | None = None) -> list[str]:
    """``args`` with ``--base best`` replaced by the first base's file and, once the search's best moved on,
    ``--add-base`` and the file of the newest best (written the night it is first seen).

    Unchanged when the step is not an ``ask --base best`` or no trial is complete yet (then the step says so
    itself, in ask's words). A step with ``--match-size`` keeps its first base (matched sizes depend on the
    base); its note says the best moved on. ``storage``: the steps' storage when the step names none (the
    command line's ``$ARCHSEARCH_STORAGE``).
    """
    if step.command != "ask" or step.option("base") != _BEST:
        return args
    bases = recorded_bases(root, step)
    known = len(bases)
    best = _best(step, storage)
    if not bases and best is not None:  # another machine's first base, if it froze one: the same study
        first = _shared_first_base(step, storage, root.name, best, night)
        bases.append(_freeze(first, root, step, 1, first.get("night", night)))
    if best is not None and best["trial"] != bases[-1]["trial"] and _adds(step):
        bases.append(_freeze(best, root, step, len(bases) + 1, night))
    if len(bases) > known:
        root.mkdir(parents=True, exist_ok=True)
        write_atomic(_origin(root, step), json.dumps({"bases": bases}, indent=1) + "\n")
    if not bases:
        return args
    out = list(args)
    out[out.index("--base") + 1] = str(base_file(root, step))
    if len(bases) > 1:
        out += ["--add-base", bases[-1]["file"]]
    return out


def base_note(step: Step, root: Path, storage: str | None = None) -> str | None:
    """One line on the step's base: which trial, of how many finished, and whether the search's best moved on."""
    bases = recorded_bases(root, step)
    if not bases:
        return None
    if len(bases) > 1:
        each = "; ".join(
            f"{i}: trial {b['trial']} ({b['value']:.4g}, since {b['night']})" for i, b in enumerate(bases, 1)
        )
        return (
            f"step {step.number}: the search's best moved on: its question is asked on {len(bases)} bases in one "
            f"study, each with its own seeds (base {each}; {_origin(root, step)})"
        )
    best = _best(step, storage) if not _adds(step) else None
    if best is None or best["trial"] == bases[0]["trial"]:  # one base: which, and from how much of the search
        first = bases[0]
        of = f", the best of its {first['of']} finished trials then" if "of" in first else ""
        return (
            f"step {step.number}: asked on trial {first['trial']} of {first['study']} ({first['value']:.4g}{of}; "
            f"frozen {first['night']}, {base_file(root, step)}); "
            + ("a better one found later is added as a new base" if _adds(step) else "--match-size keeps it")
        )
    return (
        f"step {step.number}: its base is trial {bases[0]['trial']} of {bases[0]['study']} (frozen "
        f"{bases[0]['night']}, {base_file(root, step)}); the search's best is now trial {best['trial']} "
        f"({best['value']:.4g}): --match-size keeps one base per study; ask it in a new step"
    )


def recorded_bases(root: Path, step: Step) -> list[dict[str, Any]]:
    """The step's bases, oldest first: ``study``, ``trial``, ``value``, ``night``, ``file``."""
    origin = _origin(root, step)
    if not base_file(root, step).is_file() or not origin.is_file():
        return []
    data = json.loads(origin.read_text())
    if "bases" not in data:  # written before a step could have several bases: the first one
        return [{**data, "file": str(base_file(root, step))}]
    return list(data["bases"])


def _adds(step: Step) -> bool:
    """Whether a new best becomes a new base of the step's study (not with matched sizes)."""
    return not any(a == "--match-size" or a.startswith("--match-size=") for a in step.args)


def _origin(root: Path, step: Step) -> Path:
    return base_file(root, step).with_suffix(".from.json")


def _freeze(best: dict[str, Any], root: Path, step: Step, number: int, night: str) -> dict[str, Any]:
    path = base_file(root, step, number)
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(best["params"], indent=1, sort_keys=True) + "\n")
    kept: dict[str, Any] = {k: best[k] for k in ("study", "trial", "value", "of") if k in best}
    return {**kept, "night": night, "file": str(path)}


def _shared_first_base(step: Step, storage: str | None, plan: str, best: dict[str, Any], night: str) -> dict[str, Any]:
    """The first base recorded on the search study for this plan's step, else ``best``, recorded there now."""
    from archsearch.schema import StudyAttr
    from archsearch.study import open_study

    key = f"{StudyAttr.SWEEP_BASE_PREFIX}{plan}.step-{step.number}"
    study = open_study(best["study"], step.option("storage") or storage)
    shared = study.user_attrs.get(key)
    if shared is not None:
        return dict(shared)
    study.set_user_attr(key, {**best, "night": night})
    return best


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
    return {"study": name, "trial": best.number, "value": best.value, "params": dict(best.params), "of": len(complete)}
