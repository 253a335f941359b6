"""Markdown and self-contained HTML from a report dict."""

from __future__ import annotations

import base64
import html
import re
from typing import Any

from archsearch.analysis import NOT_LEARNED, TOO_FEW, counted, level_interval_text, metric_range, no_answer
from archsearch.report._build import answer_kind
from archsearch.report._files import safe_name
from archsearch.report._lab_context import lab_lines
from archsearch.schema import Attr

__all__ = ["render_html", "render_markdown"]


def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def _int(x: Any) -> str:
    return "-" if x is None else f"{int(round(x)):,}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def time_lines(q: dict[str, Any]) -> list[str]:
    """One line per time effect: ``Fit time (seconds per epoch), pool / conv: 0.433x [0.423, 0.444], faster.``"""
    out = []
    for t in q.get("time_effects") or []:
        if t.get("ratio") is None:
            text = t.get("verdict", "not enough data")
        elif t.get("ci_low") is None or t.get("ci_high") is None:
            text = f"{_num(t['ratio'], 3)}x (no interval), {t['verdict']}"
        else:  # 3 significant digits, the ratio as its interval: 0.433x [0.423, 0.444]
            text = f"{_num(t['ratio'], 3)}x [{_num(t['ci_low'], 3)}, {_num(t['ci_high'], 3)}], {t['verdict']}"
        out.append(
            f"Fit time ({t['measure']}), {t['level']} / {t['reference']}: {text}."
            + (f" {t['reason']}" if t.get("reason") else "")
        )
    return ([""] + out) if out else []


def _sections(data: dict[str, Any]) -> list[tuple[str, list[str], str | None]]:
    """(title, markdown lines, plot name or None) in report order."""
    out: list[tuple[str, list[str], str | None]] = []
    c = data["counts"]
    head = [
        f"Study `{data['study']}`"
        + (f" (space `{data['space']}`)" if data["space"] else "")
        + f": {data['direction']} {data['objective']}.",
        f"Trials: {c['COMPLETE']} complete, {c['PRUNED']} pruned, {c['FAIL']} failed"
        + (f", {c['RUNNING']} running" if c.get("RUNNING") else "")
        + ".",
        "Each verdict says the split it is measured on and the seeds or trials it rests on; how it was "
        "computed is under Method.",
        "",
    ]
    design = data["design"]
    if design.get("kind") == "ablation":
        base = design.get("base") or {}  # every other active hyperparameter's value (its default or --base's)
        held = f"every other hyperparameter held at {base}" if base else "no other hyperparameter to hold"
        head.append(
            f"Controlled ablation of `{design['factor']}`: levels {design.get('levels')}, "
            f"seeds {design.get('seeds')}, {held}."
        )
    head += lab_lines(data.get("lab"))
    head += [f"> {n}" for n in data["notes"]]
    out.append(("Summary", head, None))
    for q in data["questions"]:
        lines = [f"**{q['text']}**", ""]
        if q["note"]:
            lines += [f"_{q['note']}_", ""]
        if q["levels"]:
            lines += _level_table(q, data)
            lines.append("")
        if q["effects"]:
            lines += _table(
                [
                    "vs " + str(q["reference"]),
                    "verdict",
                    "p / adjusted",
                    "n / n ref",
                    "params (level vs ref)",
                    "at equal size",
                ],
                [
                    [
                        e["level"],
                        e["summary"],
                        "-" if no_answer(e, data["objective"]) else f"{_num(e['p'], 2)} / {_num(e['p_adjusted'], 2)}",
                        f"{e['n']} / {e['n_ref']}",
                        f"{_int(e['level_params'])} vs {_int(e['reference_params'])}",
                        (_size_text(e, data["objective"])),
                    ]
                    for e in q["effects"]
                ],
            )
        lines += time_lines(q)
        out.append((f"Question: {q['param']}", lines, f"effect_{safe_name(q['param'])}"))
    best = data["best_trials"]
    if best:
        params = [k for k in best[0] if k.startswith("params_") and k != Attr.PARAMS_COUNT]  # the model size
        rows = [
            [
                str(b["trial"]),
                _num(b.get("value")),
                str(b.get("n_seeds", 1)),
                _int(b.get("params_count")),
                _num(b.get("accuracy")),
                _num(b.get("val_accuracy")),
                _num(b.get("test_accuracy")),
                _num(b.get("fit_seconds"), 3),
                ", ".join(f"{k[7:]}={_num(b[k])}" for k in params if b.get(k) is not None),
            ]
            for b in best
        ]
        out.append(
            (
                "Best trials",
                _table(
                    [
                        "trial",
                        data["objective"],
                        "seeds",
                        "params",
                        "train acc",
                        "val acc",
                        "test acc",
                        "fit s",
                        "hyperparameters",
                    ],
                    rows,
                ),
                "learning_curves",
            )
        )
    imp = data["importance"]
    if imp.get("params"):
        lines = _table(
            ["hyperparameter", "importance", "95% bootstrap interval", "null upper", "above null"],
            [
                [
                    k,
                    _num(v["importance"], 3),
                    f"[{_num(v['ci_low'], 3)}, {_num(v['ci_high'], 3)}]",
                    _num(v["null_upper"], 3),
                    {True: "yes", False: "no"}.get(v["exceeds_null"], "-"),
                ]
                for k, v in imp["params"].items()
            ],
        )
        lines += [
            "",
            f"{imp['evaluator']} ({imp['n_trees']} trees) on {imp['n_trials']} complete trials; interval "
            f"over {imp['resamples']} bootstrap resamples of trials; null: the {imp['quantile']:.0%} "
            f"quantile over {imp['resamples']} refits with the objective shuffled.",
        ]
        if imp.get("warning"):
            lines += ["", f"> {imp['warning']}"]
    else:
        lines = [f"Not computed: {imp.get('error', 'no data')}"]
    out.append(("Hyperparameter importance", lines, None))
    out.append(("Method", _method_lines(data), None))
    flags = []
    for q in data["questions"]:
        low = [lv["level"] for lv in q["levels"] if lv.get("at_chance")]
        if low:
            flags.append(
                f"{q['param']}: level(s) {', '.join(low)} at chance ({q['chance']:.0%}; mean accuracy no further "
                "above 1/classes than a model at chance gets on the validation examples, at least 2 points): they "
                "did not learn."
            )
    if data["at_chance"]:
        flags.append(f"At chance level (validation accuracy near 1/classes): trials {data['at_chance']}.")
    for f in data["failed"][:10]:
        flags.append(f"Trial {f['trial']} failed: {(f['error'] or '').splitlines()[0][:200] if f['error'] else '?'}")
    out.append(("Flags", flags or ["No trial at chance level; no failed trial."], None))
    out.append(("Trials", [], "objective_over_trials"))
    out.append(("Model size", [], "size_vs_objective"))
    return out


def _level_table(q: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """Per level: the objective's mean (validation), the test accuracy where the verdict is on test, chance."""
    test = any("test_mean" in lv for lv in q["levels"])
    chance = q.get("chance") is not None
    header = ["level", f"{data['objective']} mean (validation)", "95% CI"] + (["test accuracy (mean)"] if test else [])
    header += (["at chance"] if chance else []) + [
        "trials",
        "complete / pruned / failed",
        "seeds",
        "median params",
        "median fit s",
    ]
    rows = []
    for lv in q["levels"]:
        row = [
            ("**" + lv["level"] + "** (ref)") if lv["level"] == q["reference"] else lv["level"],
            _num(lv["mean"]),
            level_interval_text(lv, data["objective"]),
        ]
        row += [_num(lv.get("test_mean"))] if test else []
        row += [{True: f"yes ({q['chance']:.0%})", False: "no"}.get(lv.get("at_chance"), "-")] if chance else []
        row += [
            str(lv["n_trials"]),
            f"{lv['n_complete']} / {lv['n_pruned']} / {lv['n_failed']}",
            str(lv["n_seeds"]),
            _int(lv["params_count"]),
            _num(lv["fit_seconds"], 3),
        ]
        rows.append(row)
    return _table(header, rows)


def _method_lines(data: dict[str, Any]) -> list[str]:
    """How the verdicts were computed: kind of answer, each question's method and split, multiplicity, looks."""
    m = data["multiplicity"]
    lines = [f"Answers: {answer_kind(data)}. Intervals are adjusted for the family; raw ones are in the JSON.", ""]
    for q in data["questions"]:
        splits = sorted({e.get("split", "validation") for e in q["effects"]})
        methods = sorted({e.get("method") or q["method"] for e in q["effects"]}) or [q["method"]]
        lines.append(
            f"- `{q['param']}` on the {' / '.join(splits) or 'validation'} split: {'; '.join(methods)}; "
            f"adjusted by {m['description']} over the report's family ({m['family']}), family alpha "
            f"{data['alpha']:g}."
        )
        seq = q.get("sequential")
        if seq:
            plan = seq.get("plan") or {}
            lines.append(
                f"  Sequential (`--until-decided`): {plan.get('spending', '')}; "
                f"{counted(len(seq.get('looks', [])), 'looks')}, {counted(seq.get('n_seeds') or 0, 'seeds')} per "
                f"level, status: {seq.get('status')}."
            )
    lines += [
        "",
        "Decisions: helps / hurts (the interval excludes 0), no effect of X or more (the interval lies "
        "within +-X, the minimum effect), not decided yet (with the seeds needed), did not learn (the "
        "reference or every level at chance), too few trials (a search that cannot separate the effect).",
    ]
    return lines


def _size_text(e: dict[str, Any], objective: str | None = None) -> str:
    rng = metric_range(objective)
    lo, hi = e.get("adjusted_ci_low"), e.get("adjusted_ci_high")
    if (e.get("size_note") or "").startswith("same model size"):  # nothing to adjust for, whatever the verdict
        return "not needed: same size"
    if e["verdict"] in (NOT_LEARNED, TOO_FEW) or (
        rng is not None and lo is not None and hi is not None and (lo < -rng or hi > rng)
    ):
        return e["size_note"] if e["size_note"].startswith("cannot tell apart") else "too few trials"
    if e["survives_size"] is True and e["adjusted_diff"] is not None:
        return f"yes: {_num(e['adjusted_diff'], 3)} [{_num(e['adjusted_ci_low'], 3)}, {_num(e['adjusted_ci_high'], 3)}]"
    if e["survives_size"] is False:
        return f"no: {_num(e['adjusted_diff'], 3)} [{_num(e['adjusted_ci_low'], 3)}, {_num(e['adjusted_ci_high'], 3)}]"
    return e["size_note"] or "-"


def render_markdown(data: dict[str, Any], images: dict[str, str] | None = None) -> str:
    """The report as Markdown; plots are linked when ``images`` names their files."""
    images = images or {}
    lines = [f"# archsearch report: {data['study']}", ""]
    if images:  # MLflow's artifact viewer shows a Markdown file's images as text; its HTML view shows them
        lines += [
            "_The plots are the PNG files beside this one; report.html has them inline (open it in "
            "MLflow's artifact view or a browser)._",
            "",
        ]
    for title, body, plot in _sections(data):
        if not body and plot not in images:
            continue
        lines += [f"## {title}", "", *body, ""]
        if plot in images:
            lines += [f"![{plot}]({images[plot]})", ""]
    return "\n".join(lines)


def render_html(data: dict[str, Any], plots: dict[str, bytes]) -> str:
    """One self-contained HTML page: markdown-like tables, plots as base64 PNGs."""
    parts = [f"<h1>archsearch report: {html.escape(data['study'])}</h1>"]
    for title, body, plot in _sections(data):
        if not body and plot not in plots:
            continue
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(_html_body(body))
        if plot in plots:
            b64 = base64.b64encode(plots[plot]).decode("ascii")
            parts.append(f'<img alt="{plot}" src="data:image/png;base64,{b64}">')
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;}table{border-collapse:collapse;}"
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;}blockquote{color:#555;}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>archsearch report: "
        f"{html.escape(data['study'])}</title><style>{style}</style></head><body>" + "\n".join(parts) + "</body></html>"
    )


def _html_body(lines: list[str]) -> str:
    out, table = [], []
    for line in [*lines, ""]:
        if line.startswith("|"):
            if not line.startswith("|---"):
                table.append([_inline(c.strip()) for c in line.strip("|").split(" | ")])
            continue
        if table:
            head, *rows = table
            out.append(
                "<table><tr>"
                + "".join(f"<th>{c}</th>" for c in head)
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
                + "</table>"
            )
            table = []
        if line.startswith("> "):
            out.append(f"<blockquote>{_inline(line[2:])}</blockquote>")
        elif line:
            out.append(f"<p>{_inline(line)}</p>")
    return "\n".join(out)


def _inline(text: str) -> str:
    """Markdown's inline marks as HTML: `code`, **bold**, _emphasis_ (whole-line); the rest escaped.

    Example:
        >>> _inline("Study `tiny`: **8** (ref)")
        'Study <code>tiny</code>: <strong>8</strong> (ref)'
    """
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    if len(out) > 2 and out.startswith("_") and out.endswith("_"):
        out = f"<em>{out[1:-1]}</em>"
    return out
