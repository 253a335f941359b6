"""docs/labs-results.md: every lab question, the lab's own number next to archsearch's answer.

``archsearch report --labs PLAN`` reads the ``ask`` and ``run`` steps of a lab
plan (search/labs.toml, search/labs_offline.toml), opens each step's study and
builds its report (:func:`archsearch.report.build_report`, the same numbers and
verdict words as ``archsearch report``). Per comparison it gives: what the lab
reported (one run) and the lab's mistakes, archsearch's accuracy at each level
(mean with its interval, test accuracy, a flag where a level is at chance), the
effect with its interval and the verdict, the seeds run and the seeds a
decision needs, the training settings (the lab's, and those that are
archsearch's with the reason, from the space file's references), and whether
the data was the lab's dataset or a stand-in of its shape. A step whose study
is missing or short of its planned trials is marked so: a partial result is
never shown as a finished one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import platform
from collections.abc import Sequence
from typing import Any

__all__ = ["LabAsk", "labs_json", "labs_rows"]


@dataclasses.dataclass(frozen=True)
class LabAsk:
    """One ``ask`` (or, with ``kind="run"``, search) step of a lab plan: where its answer is and what it planned."""

    space: str
    factor: str
    study: str
    levels: tuple[str, ...] = ()
    repeats: int = 3
    base: str = "default"
    dataset: str | None = None
    kind: str = "ask"
    epochs: int | None = None
    max_seeds: int | None = None
    trials: int | None = None

    @property
    def planned_trials(self) -> int | None:
        if self.kind == "run":
            return self.trials
        return len(self.levels) * self.repeats if self.levels else None


def labs_rows(asks: Sequence[LabAsk], storage: str | None = None) -> list[dict[str, Any]]:
    """One entry per step (JSON-ready).

    Keys: ``ask``, ``status`` (done / partial / not run), ``lab``, ``question``,
    ``data``, ``training``, ``references``, ``pitfalls``, ``comparisons`` (per
    level against its baseline), ``looks``, ``window``.
    """
    return [_row(a, storage) for a in asks]


def _row(ask: LabAsk, storage: str | None) -> dict[str, Any]:
    from archsearch.errors import UsageError
    from archsearch.report._build import build_report, format_effect
    from archsearch.report._lab_context import dataset_context
    from archsearch.space import load_space
    from archsearch.study import open_study

    space = load_space(ask.space)
    question = next((q.text for q in space.questions if q.param == ask.factor), None)
    row: dict[str, Any] = {
        "ask": dataclasses.asdict(ask),
        "kind": "search" if ask.kind == "run" else "ablation",
        "question": question or (f"What does {ask.factor} change?" if ask.factor else "Which hyperparameters matter?"),
        "objective": space.objective,
        "comparisons": [],
        "lab": _lab_label(space, ask, None),
        "references": [],
        "pitfalls": [],
        "complete": 0,
        "window": None,
        "study": ask.study,
        "data": dataset_context(ask.dataset or space.dataset),
        "training": _training(space, ask, None),
        "looks": None,
    }
    try:
        study = open_study(ask.study, storage)
    except UsageError:
        return {**row, "status": "not run"}
    times = [t for t in study.get_trials(deepcopy=False) if t.datetime_complete is not None]
    row["complete"] = sum(1 for t in times if t.state.name == "COMPLETE")
    if times:
        starts = [t.datetime_start for t in times if t.datetime_start is not None]
        ends = [t.datetime_complete for t in times if t.datetime_complete is not None]
        row["window"] = [min(starts or ends).strftime("%Y-%m-%d %H:%M"), max(ends).strftime("%Y-%m-%d %H:%M")]
    planned = ask.planned_trials
    row["status"] = "done" if planned is None or row["complete"] >= planned else "partial"
    if not row["complete"]:
        return row
    data = build_report(space, study_name=ask.study, storage=storage, importance_resamples=0).to_dict()
    lab = data.get("lab") or {}
    design = data.get("design") or {}
    row.update(
        lab=_lab_label(space, ask, lab),
        references=lab.get("references", []),
        pitfalls=_pitfalls(lab),
        training=_training(space, ask, design),
        data=lab.get("dataset") or row["data"],
        looks=_looks(study),
    )
    classes = _classes(row["data"])
    for q in data["questions"]:
        if ask.kind != "run" and q["param"] != ask.factor:
            continue
        levels = {str(lv["level"]): _level(lv, classes) for lv in q["levels"]}
        refs = {r["level"]: r for r in lab.get("references", []) if r.get("level") is not None}
        times_by_level = {str(t["level"]): t for t in q.get("time_effects", [])}
        for e in q["effects"]:
            level, base = str(e["level"]), str(e["reference"])
            row["comparisons"].append(
                {
                    "param": q["param"],
                    "question": q.get("text") or row["question"],
                    "level": level,
                    "baseline": base,
                    "level_accuracy": levels.get(level),
                    "baseline_accuracy": levels.get(base),
                    "effect": {k: e.get(k) for k in ("diff", "ci_low", "ci_high", "split", "method", "p_adjusted")},
                    "decision": e.get("verdict"),
                    "verdict": format_effect(e, space.objective),
                    "why": e.get("why") or e.get("reason") or "",
                    "seeds": e.get("n"),
                    "seeds_baseline": e.get("n_ref"),
                    "seeds_needed": e.get("seeds_needed"),
                    "more_needed": e.get("more_needed"),
                    "power_note": e.get("power_note") or "",
                    "trials_needed": e.get("trials_needed"),
                    "params": [e.get("level_params"), e.get("reference_params")],
                    "lab_reported": _lab_reported(refs.get(level), refs.get(base), _base_ref(lab)),
                    "time": times_by_level.get(level),
                }
            )
    return row


def _classes(data: dict[str, Any] | None) -> int | None:
    if not data or not data.get("name"):
        return None
    from archsearch.data import get_info
    from archsearch.errors import ArchsearchError

    try:
        info = get_info(data["name"])
    except ArchsearchError:  # an unregistered spec: no chance level to compare with
        return None
    return getattr(info, "num_classes", None) if info is not None else None


def _level(lv: dict[str, Any], classes: int | None) -> dict[str, Any]:
    """A level's accuracy: validation mean and interval, test mean, and whether it is at chance."""
    from archsearch.analysis import at_chance

    at = lv.get("at_chance")
    if at is None and classes and lv.get("mean") is not None:  # the analysis' rule where the report did not apply it
        at = bool(at_chance(lv["mean"], 1 / classes))
    return {
        "mean": lv.get("mean"),
        "ci_low": lv.get("ci_low"),
        "ci_high": lv.get("ci_high"),
        "test_mean": lv.get("test_mean"),
        "n_seeds": lv.get("n_seeds"),
        "at_chance": at,
        "chance": 1 / classes if classes else None,
    }


def _looks(study: Any) -> dict[str, Any] | None:
    """The sequential design's last look (``--until-decided``): status, seeds per level, cap."""
    from archsearch.schema import StudyAttr

    looks = study.user_attrs.get(StudyAttr.LOOKS) or []
    if not looks:
        return None
    last = looks[-1]
    return {"looks": len(looks), "status": last.get("status"), "n_seeds": last.get("n")}


def _lab_label(space: Any, ask: LabAsk, lab: dict[str, Any] | None) -> str:
    """The lab task a row answers: the level's reference's (a level that is a lab model names the task), else
    the base reference's, else the space's first reference's."""
    from archsearch.blocks import space_references

    own = getattr(space.build, "__globals__", {}).get("LAB")  # a space's own label, e.g. "L4 v2"
    if ask.kind == "run" and own:
        return str(own)
    if lab:
        levels = [
            r
            for r in lab.get("references", [])
            if r.get("level") is not None and r.get("lab") and r["name"] != lab.get("reference")
        ]
        named = levels or [r for r in lab.get("references", []) if r.get("lab")]
        if named:
            return named[0]["lab"]
    refs = space_references(space)
    base = ask.base[len("reference:") :] if ask.base.startswith("reference:") else None
    levels = [
        r.lab
        for n, r in refs.items()
        if n != base and r.lab and ask.factor in r.values and str(r.values[ask.factor]) in ask.levels
    ]
    if levels:  # a level that is another lab model names the task (L3-conv-pool: L3-T2)
        return levels[0]
    if ask.base.startswith("reference:") and ask.base[len("reference:") :] in refs:
        return refs[ask.base[len("reference:") :]].lab or "-"
    return str(own) if own else next((r.lab for r in refs.values() if r.lab), "-")


def _training(space: Any, ask: LabAsk, design: dict[str, Any] | None) -> dict[str, Any]:
    """Epochs and batch as run; the lab's settings in words and archsearch's own, from the base reference."""
    from archsearch.blocks import space_references

    refs = space_references(space)
    name = ask.base[len("reference:") :] if ask.base.startswith("reference:") else None
    ref = refs.get(name) if name else None
    design = design or {}
    lab_settings = ref.training if ref else ""
    ours = list(ref.deviations) if ref else []
    if ref is None:
        ours = [
            (
                f"every setting: {space.path.name} has no lab reference for this question; archsearch's "
                "settings, see its docstring"
            )
        ]
    return {
        "reference": name,
        "epochs": design.get("epochs") or ask.epochs,
        "batch_size": design.get("batch_size")
        or (ref.batch_size if ref and ref.batch_size else None)
        or space.batch_size,
        "lab_epochs": ref.epochs if ref else None,
        "lab": lab_settings,
        "archsearch": ours,
    }


def _pitfalls(lab: dict[str, Any]) -> list[dict[str, str]]:
    out, seen = [], set()
    for r in lab.get("references", []):
        for p in r.get("pitfalls", []):
            if (r["name"], p) not in seen:
                seen.add((r["name"], p))
                out.append({"reference": r["name"], "text": p})
    return out


def _base_ref(lab: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in lab.get("references", []) if r["name"] == lab.get("reference")), None)


def _lab_reported(
    lv: dict[str, Any] | None, base: dict[str, Any] | None, plan_base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the lab reported for the two levels; where neither is a lab model, for the plan's base model."""
    parts = [f"{r['name']}: {r['reported']}" for r in (lv, base) if r and r.get("reported")]
    if not parts and plan_base and plan_base.get("reported"):
        parts.append(f"{plan_base['name']} (the base of these levels): {plan_base['reported']}")
    diff = None
    if lv and base and lv.get("reported_value") is not None and base.get("reported_value") is not None:
        diff = lv["reported_value"] - base["reported_value"]
        from archsearch.analysis import plain_number

        parts.append(f"difference {plain_number(diff * 100, '+.1f')} pts")
    if lv and lv.get("differs"):
        parts.append(
            f"the lab trained {lv['name']} with "
            + ", ".join(f"{k}={v}" for k, v in lv["differs"].items())
            + " (held at the base's here)"
        )
    return {
        "text": "; ".join(parts),
        "difference": diff,
        "level": lv["name"] if lv else None,
        "baseline": base["name"] if base else None,
    }


def labs_json(rows: Sequence[dict[str, Any]], *, plan: str, storage: str | None = None) -> str:
    """The same content as :func:`archsearch.report.labs_markdown`, as JSON (``report --labs PLAN --format json``)."""
    from archsearch.stores import redact

    doc = {
        "plan": plan,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": " ".join(platform.uname()).strip(),
        "cpus": os.cpu_count(),
        "storage": redact(storage) if storage else None,
        "rows": list(rows),
    }
    return json.dumps(doc, indent=2, default=str) + "\n"
