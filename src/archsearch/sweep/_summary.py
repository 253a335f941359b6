"""The morning summary: ``summary.md`` and ``summary.json`` in the night's folder, rewritten after every step.

Pure functions over the night's state (and the previous night's, for what
changed): the verdicts themselves come from the report (``archsearch.report``,
read into each step's ``answers`` by :mod:`archsearch.sweep._collect`); nothing
here computes a statistic or words a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archsearch.sweep._state import (
    DONE,
    FAILED,
    RUNNING,
    SKIPPED,
    STOPPED,
    NightState,
    StepState,
    write_atomic,
)

__all__ = ["summary_data", "summary_markdown", "write_summary"]

_WHY = {
    "done": "every step ran",
    "deadline": "the deadline",
    "signal": "a signal",
    "error": "a failed step (--stop-on-failure)",
}


def summary_data(state: NightState, previous: NightState | None = None) -> dict[str, Any]:
    """Everything the morning needs, as JSON-ready data (``summary.json``)."""
    steps = [_step_row(st) for st in state.steps]
    questions, best = [], []
    before = {s.number: s for s in previous.steps} if previous is not None else {}
    for st in state.steps:
        if not st.answers:
            continue
        old = before.get(st.number)
        old_answers = (old.answers or {}) if old is not None else {}
        questions += _questions(st, old_answers)
        if st.answers.get("best"):
            best.append(_best(st, old_answers.get("best")))
    running = [f"step {st.number}: {st.describe}" for st in state.steps if st.status == RUNNING]
    running += [f"step {st.number}: {st.running} trial(s) of {st.study}" for st in state.steps if st.running]
    data = {
        "plan": state.plan,
        "night": state.night,
        "previous_night": previous.night if previous else None,
        "why": state.why or "running",
        "signal": state.signal,
        "started": state.started,
        "ended": state.ended,
        "deadline": state.deadline,
        "host": state.host,
        "reporter": state.reporter,
        "steps": steps,
        "questions": questions,
        "best": best,
        "nothing_to_do": [
            f"step {r['number']}: {r['step']}" for r in steps if r["status"] == DONE and r["trials_tonight"] == 0
        ],
        "left_running": running,
        "notes": list(state.notes),
    }
    data["headline"] = _headline(data)
    return data


def _step_row(st: StepState) -> dict[str, Any]:
    return {
        "number": st.number,
        "step": st.describe,
        "status": st.status,
        "reason": st.reason,
        "seconds": round(st.seconds, 1),
        "trials_tonight": st.trials_tonight,
        "trials_total": st.trials_after,
        "target": st.target,
        "study": st.study,
        "failures": list(st.failures),
    }


def _questions(st: StepState, old_answers: dict[str, Any]) -> list[dict[str, Any]]:
    from archsearch.analysis import run_and_needed  # pandas: not at import (archsearch --help stays light)

    old = {
        (q["param"], e["level"], e["reference"]): e
        for q in old_answers.get("questions", [])
        for e in q.get("effects", [])
    }
    rows = []
    for q in (st.answers or {}).get("questions", []):
        for e in q.get("effects", []):
            was = old.get((q["param"], e["level"], e["reference"]))
            rows.append(
                {
                    "step": st.number,
                    "study": st.study,
                    "question": q["param"],
                    "level": e["level"],
                    "reference": e["reference"],
                    "verdict": e.get("verdict"),
                    "summary": e.get("summary"),
                    "diff": e.get("diff"),
                    "ci_low": e.get("ci_low"),
                    "ci_high": e.get("ci_high"),
                    "seeds": min(e.get("n") or 0, e.get("n_ref") or e.get("n") or 0),
                    "seeds_needed": e.get("seeds_needed"),
                    "exploratory": e.get("exploratory", True),
                    "run_and_needed": run_and_needed(e),
                    "previous_verdict": was.get("verdict") if was is not None else None,
                    "flipped": was is not None and was.get("verdict") != e.get("verdict"),
                }
            )
    return rows


def _best(st: StepState, old: dict[str, Any] | None) -> dict[str, Any]:
    new = (st.answers or {})["best"]
    before = old or {}
    return {
        "step": st.number,
        "study": st.study,
        "objective": (st.answers or {}).get("objective"),
        "value": new.get("value"),
        "params": new.get("params"),
        "previous_value": before.get("value"),
        "previous_params": before.get("params"),
        "changed": bool(before)
        and (before.get("value"), before.get("params")) != (new.get("value"), new.get("params")),
    }


def _headline(data: dict[str, Any]) -> list[str]:
    from archsearch.analysis import MAX_SEEDS_ADVICE, UNDECIDED, counted  # not at import (--help stays light)

    counts: dict[str, int] = {}
    for row in data["steps"]:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    tally = ", ".join(f"{counts[s]} {s}" for s in (DONE, STOPPED, FAILED, SKIPPED, RUNNING) if counts.get(s))
    why = _WHY.get(data["why"], "still running") + (f" ({data['signal']})" if data["signal"] else "")
    lines = [
        f"Sweep {Path(data['plan']).stem}, night {data['night']}: ended: {why}; "
        f"{counted(len(data['steps']), 'steps')}: {tally}."
    ]
    flipped = [q for q in data["questions"] if q["flipped"]]
    if data["previous_night"] is not None:
        lines.append(
            f"{len(flipped)} verdict(s) changed since {data['previous_night']}"
            + (
                ": "
                + "; ".join(
                    f"{q['question']} {q['level']} vs {q['reference']}: {q['verdict']} (was {q['previous_verdict']})"
                    for q in flipped
                )
                if flipped
                else "."
            )
        )
    for b in data["best"]:
        was = "" if b["previous_value"] is None else f" (last night {_num(b['previous_value'])})"
        lines.append(f"Best of {b['study']}: {_num(b['value'])}{was}.")
    short = [  # an ablation's open comparisons within reach (a search's say "too few trials" in their verdict)
        q
        for q in data["questions"]
        if q["verdict"] == UNDECIDED
        and not q.get("exploratory", True)
        and q["seeds_needed"]
        and q["seeds"] < q["seeds_needed"] <= MAX_SEEDS_ADVICE
    ]
    if short:
        lines.append(
            "Needs more seeds: "
            + "; ".join(
                f"{q['question']} {q['level']} vs {q['reference']}: {q['seeds_needed'] - q['seeds']} more "
                f"({q['seeds']} run, {q['seeds_needed']} needed)"
                for q in short
            )
        )
    failed = [r for r in data["steps"] if r["status"] == FAILED]
    if failed:
        lines.append("Failed: " + "; ".join(f"step {r['number']}: {r['reason']}" for r in failed))
    if data["left_running"]:
        lines.append("Left RUNNING: " + "; ".join(data["left_running"]))
    return lines


def _num(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _wall(seconds: float) -> str:
    """``4h50m``, ``20m05s``, ``30s``."""
    s = round(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def _trials(row: dict[str, Any]) -> str:
    if row["study"] is None and row["trials_total"] is None:
        return "-"

    def show(v: Any) -> str:
        return "?" if v is None else str(v)

    return f"{show(row['trials_tonight'])} / {show(row['trials_total'])} / {show(row['target'])}"


def summary_markdown(data: dict[str, Any]) -> str:
    """``summary.md``: the headline, then steps, failures, questions, best trials, idle steps, leftovers."""
    out = [f"# Sweep {Path(data['plan']).stem}: night {data['night']}", ""]
    out += [f"- {line}" for line in data["headline"]]
    out += [
        "",
        f"Started {data['started']}, ended {data['ended'] or '(still running)'}"
        + (f", deadline {data['deadline']}" if data["deadline"] else ", no deadline")
        + f", on {data['host']}."
        + ("" if data["reporter"] else " Another machine writes the reports."),
        "",
    ]
    out += [
        "## Steps",
        "",
        "| # | step | status | wall time | trials tonight / total / target |",
        "|---|---|---|---|---|",
    ]
    for r in data["steps"]:
        status = r["status"] + (f" ({r['reason']})" if r["reason"] else "")
        out.append(f"| {r['number']} | `{r['step']}` | {status} | {_wall(r['seconds'])} | {_trials(r)} |")
    failures = [(r["number"], f) for r in data["steps"] for f in r["failures"]]
    if failures:
        out += ["", "## Failed trials", ""] + [f"- step {n}: {f}" for n, f in failures]
    if data["questions"]:
        out += [
            "",
            "## Questions",
            "",
            "| study | question | verdict | run / needed (seeds or trials) | since last night |",
            "|---|---|---|---|---|",
        ]
        for q in data["questions"]:
            since = (
                "new"
                if q["previous_verdict"] is None
                else f"was: {q['previous_verdict']}"
                if q["flipped"]
                else "unchanged"
            )
            needed = q.get("run_and_needed") or f"{q['seeds']} / {q['seeds_needed'] or '-'}"  # older summaries
            out.append(
                f"| {q['study']} | {q['question']}: {q['level']} vs {q['reference']} | "
                f"{q['summary'] or q['verdict']} | {needed} | {since} |"
            )
    if data["best"]:
        out += ["", "## Best trials", ""]
        for b in data["best"]:
            line = f"- {b['study']} ({b['objective']}): {_num(b['value'])} with {json.dumps(b['params'])}"
            if b["previous_value"] is not None:
                line += f"; last night {_num(b['previous_value'])}" + (
                    f" with {json.dumps(b['previous_params'])}" if b["changed"] else " (unchanged)"
                )
            out.append(line)
    out += ["", "## Steps with nothing to do", ""] + ([f"- {s}" for s in data["nothing_to_do"]] or ["- none"])
    out += ["", "## Left RUNNING", ""] + ([f"- {s}" for s in data["left_running"]] or ["- none"])
    if data["notes"]:
        out += ["", "## Notes", ""] + [f"- {n}" for n in data["notes"]]
    return "\n".join(out) + "\n"


def write_summary(folder: Path, state: NightState, previous: NightState | None = None) -> Path:
    """Rewrite ``summary.json`` and ``summary.md`` (atomically); returns the Markdown file's path."""
    data = summary_data(state, previous)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "summary.json", json.dumps(data, indent=1) + "\n")
    path = folder / "summary.md"
    write_atomic(path, summary_markdown(data))
    return path
