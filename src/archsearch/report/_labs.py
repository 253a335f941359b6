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

__all__ = ["LabAsk", "labs_json", "labs_markdown", "labs_rows"]

_ACCURACY = ("accuracy", "val_accuracy", "test_accuracy")


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
    from archsearch.report._lab import dataset_context
    from archsearch.space import load_space
    from archsearch.study import open_study

    space = load_space(ask.space)
    question = next((q.text for q in space.questions if q.param == ask.factor), None)
    row: dict[str, Any] = {"ask": dataclasses.asdict(ask), "kind": "search" if ask.kind == "run" else "ablation",
                           "question": question or (f"What does {ask.factor} change?" if ask.factor else
                                                    "Which hyperparameters matter?"),
                           "objective": space.objective, "comparisons": [], "lab": _lab_label(space, ask, None),
                           "references": [], "pitfalls": [], "complete": 0, "window": None, "study": ask.study,
                           "data": dataset_context(ask.dataset or space.dataset),
                           "training": _training(space, ask, None), "looks": None}
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
    row.update(lab=_lab_label(space, ask, lab), references=lab.get("references", []),
               pitfalls=_pitfalls(lab), training=_training(space, ask, design),
               data=lab.get("dataset") or row["data"], looks=_looks(study))
    classes = _classes(row["data"])
    for q in data["questions"]:
        if ask.kind != "run" and q["param"] != ask.factor:
            continue
        levels = {str(lv["level"]): _level(lv, classes) for lv in q["levels"]}
        refs = {r["level"]: r for r in lab.get("references", []) if r.get("level") is not None}
        times_by_level = {str(t["level"]): t for t in q.get("time_effects", [])}
        for e in q["effects"]:
            level, base = str(e["level"]), str(e["reference"])
            row["comparisons"].append({
                "param": q["param"], "question": q.get("text") or row["question"], "level": level,
                "baseline": base, "level_accuracy": levels.get(level), "baseline_accuracy": levels.get(base),
                "effect": {k: e.get(k) for k in ("diff", "ci_low", "ci_high", "split", "method", "p_adjusted")},
                "decision": e.get("verdict"), "verdict": format_effect(e, space.objective),
                "why": e.get("why") or e.get("reason") or "", "seeds": e.get("n"), "seeds_baseline": e.get("n_ref"),
                "seeds_needed": e.get("seeds_needed"), "more_needed": e.get("more_needed"),
                "trials_needed": e.get("trials_needed"),
                "params": [e.get("level_params"), e.get("reference_params")],
                "lab_reported": _lab_reported(refs.get(level), refs.get(base)),
                "time": times_by_level.get(level)})
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
    from archsearch import analysis

    at = lv.get("at_chance")
    rule = getattr(analysis, "at_chance", None)  # the analysis' at-chance rule, where the report did not apply it
    if at is None and rule is not None and classes and lv.get("mean") is not None:
        at = bool(rule(lv["mean"], 1 / classes))
    return {"mean": lv.get("mean"), "ci_low": lv.get("ci_low"), "ci_high": lv.get("ci_high"),
            "test_mean": lv.get("test_mean"), "n_seeds": lv.get("n_seeds"), "at_chance": at,
            "chance": 1 / classes if classes else None}


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
        levels = [r for r in lab.get("references", []) if r.get("level") is not None and r.get("lab")
                  and r["name"] != lab.get("reference")]
        named = levels or [r for r in lab.get("references", []) if r.get("lab")]
        if named:
            return named[0]["lab"]
    refs = space_references(space)
    base = ask.base[len("reference:"):] if ask.base.startswith("reference:") else None
    levels = [r.lab for n, r in refs.items() if n != base and r.lab and ask.factor in r.values
              and str(r.values[ask.factor]) in ask.levels]
    if levels:  # a level that is another lab model names the task (L3-conv-pool: L3-T2)
        return levels[0]
    if ask.base.startswith("reference:") and ask.base[len("reference:"):] in refs:
        return refs[ask.base[len("reference:"):]].lab or "-"
    return str(own) if own else next((r.lab for r in refs.values() if r.lab), "-")


def _training(space: Any, ask: LabAsk, design: dict[str, Any] | None) -> dict[str, Any]:
    """Epochs and batch as run; the lab's settings in words and archsearch's own, from the base reference."""
    from archsearch.blocks import space_references

    refs = space_references(space)
    name = ask.base[len("reference:"):] if ask.base.startswith("reference:") else None
    ref = refs.get(name) if name else None
    design = design or {}
    lab_settings = ref.training if ref else ""
    ours = list(ref.deviations) if ref else []
    if ref is None:
        ours = [(f"every setting: {space.path.name} has no lab reference for this question; archsearch's "
                "settings, see its docstring")]
    return {"reference": name, "epochs": design.get("epochs") or ask.epochs,
            "batch_size": design.get("batch_size") or (ref.batch_size if ref and ref.batch_size else None)
            or space.batch_size, "lab_epochs": ref.epochs if ref else None, "lab": lab_settings, "archsearch": ours}


def _pitfalls(lab: dict[str, Any]) -> list[dict[str, str]]:
    out, seen = [], set()
    for r in lab.get("references", []):
        for p in r.get("pitfalls", []):
            if (r["name"], p) not in seen:
                seen.add((r["name"], p))
                out.append({"reference": r["name"], "text": p})
    return out


def _lab_reported(lv: dict[str, Any] | None, base: dict[str, Any] | None) -> dict[str, Any]:
    parts = [f"{r['name']}: {r['reported']}" for r in (lv, base) if r and r.get("reported")]
    diff = None
    if lv and base and lv.get("reported_value") is not None and base.get("reported_value") is not None:
        diff = lv["reported_value"] - base["reported_value"]
        parts.append(f"difference {diff * 100:+.1f} pts")
    if lv and lv.get("differs"):
        parts.append(f"the lab trained {lv['name']} with " + ", ".join(f"{k}={v}" for k, v in lv["differs"].items())
                     + " (held at the base's here)")
    return {"text": "; ".join(parts), "difference": diff,
            "level": lv["name"] if lv else None, "baseline": base["name"] if base else None}


def labs_json(rows: Sequence[dict[str, Any]], *, plan: str, storage: str | None = None) -> str:
    """The same content as :func:`labs_markdown`, as JSON (``report --labs PLAN --format json``)."""
    doc = {"plan": plan, "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": " ".join(platform.uname()).strip(), "cpus": os.cpu_count(),
           "storage": _redact(storage) if storage else None, "rows": list(rows)}
    return json.dumps(doc, indent=2, default=str) + "\n"


def labs_markdown(rows: Sequence[dict[str, Any]], *, plan: str, command: str, storage: str | None = None) -> str:
    """The document: header, one summary table of every comparison, then one section per question."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    windows = [r["window"] for r in rows if r.get("window")]
    ran = (f"{min(w[0] for w in windows)} to {max(w[1] for w in windows)} (trial start/end times, UTC)"
           if windows else "no trial yet")
    partial = [r for r in rows if r["status"] != "done"]
    lines = [f"# Lab results: {plan}", "",
             ("Generated by `archsearch report --labs`; do not edit by hand. Each comparison is a controlled ablation "
             "from the lab's own model (`--base reference:NAME`, trained with the lab's settings where the lab had "
             "them): every level with the same seeds, the effect a paired difference on the test split with a 95% "
             "interval; the lab's numbers are one run each, on the lab's data. The two searches (L2-T1, L4 "
             "variant 2 where planned) are exploratory. A level at chance (1/classes) is flagged, and a comparison "
             "whose models did not learn gets no verdict."), "",
             f"- Plan: `{plan}`; answers read with `{command}` (JSON: add `--format json`)",
             f"- Comparisons: {_methods(rows)}",
             f"- Trials ran: {ran}",
             f"- Generated: {now} on `{' '.join(platform.uname()).strip()}`, {os.cpu_count()} CPUs"
             + (f"; storage `{_redact(storage)}`" if storage else ""), ""]
    if partial:
        lines += [f"> **PARTIAL:** {len(partial)} of {len(rows)} questions are not finished: "
                  + "; ".join(f"`{r['ask']['study']}` {r['status']} ({r['complete']} of "
                              f"{r['ask'].get('trials') or len(r['ask']['levels'] or ()) * r['ask']['repeats']} "
                              "trials)" for r in partial) + ".", ""]
    header = ["lab", "question", "comparison", "lab reported (one run)", "archsearch accuracy: level / baseline",
              "effect [95% CI]", "verdict", "seeds run / needed", "data"]
    table = []
    for r in rows:
        data = _data_cell(r)
        if not r["comparisons"]:
            table.append([r["lab"], r["question"], _factor(r), "-", f"({r['status']})", "-", "-", "-", data])
        for c in r["comparisons"]:
            table.append([r["lab"], c["question"], f"`{c['param']}` {c['level']} vs {c['baseline']}",
                          c["lab_reported"]["text"] or "-",
                          f"{_accuracy(c['level_accuracy'])} / {_accuracy(c['baseline_accuracy'])}",
                          _effect_cell(c["effect"], r["objective"]) + ("" if r["status"] == "done" else
                                                                      f" ({r['status']})"),
                          c["decision"] or "-", _seeds_cell(c, r), data])
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table]
    lines += ["", ("Accuracy: validation mean [95% interval over seeds], then (test mean); **at chance** marks a "
              "level within 2 points of 1/classes. Seeds: per level, run; needed: for 80% power at the smallest "
              "effect of interest (1 point), where the comparison is not decided yet."), ""]
    for r in rows:
        lines += _section(r)
    lines += _data_notes(rows)
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def _factor(r: dict[str, Any]) -> str:
    return f"`{r['ask']['factor']}`" if r["ask"]["factor"] else "search"


def _section(r: dict[str, Any]) -> list[str]:
    """One question: what was asked, the lab's number and mistakes, training settings, data, each verdict."""
    a = r["ask"]
    what = (f"`archsearch ask {a['space']} --factor {a['factor']} --levels {','.join(a['levels'])} "
            f"--base {a['base']}`" if r["kind"] == "ablation" else f"`archsearch run {a['space']}` (a search)")
    out = [f"## {r['lab']}: {r['question']}", "", (f"- Asked: {what}; study `{r['study']}`, {r['status']} "
           f"({r['complete']} trials).")]
    t = r["training"]
    run = f"{t['epochs']} epochs" if t.get("epochs") else "the space's epochs"
    lab_epochs = f" (the lab: {t['lab_epochs']})" if t.get("lab_epochs") and t["lab_epochs"] != t.get("epochs") else ""
    out.append(f"- Training here: {run}{lab_epochs}, batch {t['batch_size']}.")
    if t.get("lab"):
        out.append(f"- The lab's settings, used here (`{t['reference']}`): {t['lab']}.")
    for d in t.get("archsearch", []):
        out.append(f"- archsearch's, not the lab's: {d}")
    data = r.get("data") or {}
    if data.get("stand_in_for"):
        out.append(f"- Data: **STAND-IN** `{data['name']}` for {data['stand_in_for']}: the effects below are about "
                   "the stand-in, not about the lab's dataset.")
    elif data:
        out.append(f"- Data: real `{data['name']}`.")
    for p in r.get("pitfalls", []):
        out.append(f"- The lab's mistake (`{p['reference']}`): {p['text']}")
    if r.get("looks"):
        lk = r["looks"]
        cap = f" (cap `--max-seeds {a['max_seeds']}`)" if a.get("max_seeds") else ""
        out.append(f"- Sequential design (`--until-decided`): {lk['looks']} look(s); the last, at {lk['n_seeds']} "
                   f"seeds per level{cap}: {lk['status']}.")
    for c in r["comparisons"]:
        lab = f" The lab: {c['lab_reported']['text']}." if c["lab_reported"]["text"] else ""
        params = c["params"]
        size = (f" Parameters {_int(params[0])} vs {_int(params[1])}." if params and params[0] is not None else "")
        time = f" Fit time per epoch {_time_cell(c['time'])}." if c.get("time") else ""
        out.append(f"- `{c['param']}` {c['level']} vs {c['baseline']}: {c['verdict']}.{lab} Accuracy "
                   f"{_accuracy(c['level_accuracy'])} vs {_accuracy(c['baseline_accuracy'])}.{size}{time} "
                   f"Seeds: {_seeds_cell(c, r)}.")
    if not r["comparisons"]:
        out.append(f"- No answer yet ({r['status']}).")
    return [*out, ""]


def _methods(rows: Sequence[dict[str, Any]]) -> str:
    """Which split and interval method the effects use, with how many comparisons each."""
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        for c in r["comparisons"]:
            key = (c["effect"].get("split") or "validation", c["effect"].get("method") or "-")
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return "none yet"
    return "; ".join(f"{n} on the {split} split ({method})" for (split, method), n in counts.items())


def _redact(url: str) -> str:
    from archsearch.stores import redact

    return redact(url)


def _int(x: Any) -> str:
    return "-" if x is None else f"{round(float(x)):,}"


def _accuracy(lv: dict[str, Any] | None) -> str:
    """``0.912 [0.90, 0.93] (test 0.915)``; the interval left out where it leaves 0-1 (too few seeds for one)."""
    if not lv or lv.get("mean") is None:
        return "-"
    lo, hi = lv.get("ci_low"), lv.get("ci_high")
    ci = f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None and lo >= 0 and hi <= 1 else \
        (" [too few seeds for an interval]" if lo is not None else "")
    test = f" (test {lv['test_mean']:.3f})" if lv.get("test_mean") is not None else ""
    chance = f" **at chance** ({lv['chance']:.0%})" if lv.get("at_chance") else ""
    return f"{lv['mean']:.3f}{ci}{test}{chance}"


def _seeds_cell(c: dict[str, Any], r: dict[str, Any]) -> str:
    run = c.get("seeds")
    if run is None:
        return "-"
    if r["kind"] == "search":
        need = c.get("trials_needed")
        return f"{run} trials / " + (f"about {need} trials" if need else "-")
    decision = c.get("decision") or ""
    if decision in ("helps", "hurts") or decision.startswith("no effect"):
        return f"{run} / {run} (decided)"
    if decision == "did not learn":
        return f"{run} / - (train longer first)"
    need = c.get("seeds_needed")
    if need is not None and need > run:
        return f"{run} / {need} ({need - run} more)"
    return f"{run} / {need if need is not None else '?'} (not decided)"


def _effect_cell(e: dict[str, Any], objective: str) -> str:
    if e.get("diff") is None:
        return "-"
    scale, unit = (100, " pts") if objective in _ACCURACY else (1, "")
    lo, hi = e.get("ci_low"), e.get("ci_high")
    if lo is None or hi is None:
        return f"{e['diff'] * scale:+.1f}{unit} [no interval]"
    if objective in _ACCURACY and (lo < -1 or hi > 1):
        return f"{e['diff'] * scale:+.1f}{unit} [interval wider than the metric's range]"
    return f"{e['diff'] * scale:+.1f}{unit} [{lo * scale:+.1f}, {hi * scale:+.1f}]"


def _time_cell(t: dict[str, Any] | None) -> str:
    if not t or t.get("ratio") is None:
        return "-"
    if t.get("ci_low") is None or t.get("ci_high") is None:
        return f"{t['ratio']:.2f}x (no interval) {t['verdict']}"
    return f"{t['ratio']:.2f}x [{t['ci_low']:.2f}, {t['ci_high']:.2f}] {t['verdict']}"


def _data_cell(r: dict[str, Any]) -> str:
    data = r.get("data") or {}
    name = data.get("name") or r["ask"].get("dataset") or "?"
    epochs = r["training"].get("epochs")
    epochs_text = f", {epochs} epochs" if epochs else ""
    if data.get("stand_in_for"):
        return f"**STAND-IN** `{name}` (not {data['stand_in_for']}){epochs_text}"
    return f"real: `{name}`{epochs_text}"


def _data_notes(rows: Sequence[dict[str, Any]]) -> list[str]:
    seen: dict[str, dict[str, Any]] = {}
    for r in rows:
        data = r.get("data")
        if data:
            seen.setdefault(data["name"], data)
    if not seen:
        return []
    out = ["## Data", ""]
    for name, data in seen.items():
        kind = f"**STAND-IN for {data['stand_in_for']}**: " if data.get("stand_in_for") else ""
        out.append(f"- `{name}`: {kind}{data['description'] or 'not a registered dataset'}.")
    if any(d.get("stand_in_for") for d in seen.values()):
        out.append("- Effects measured on a stand-in say whether the question runs and how the report answers it; "
                   "they are not evidence about the lab's dataset.")
    return [*out, ""]
