"""The answer where people look: a study's verdicts and report on its MLflow parent run and experiment.

``archsearch ask`` and ``archsearch run`` (and so every sweep step) record their
answer when they end; ``archsearch report`` refreshes it. On the parent run:
the verdicts as tags ``archsearch.verdict.<param>`` (short:
``16 vs 8: helps +3.8 pts [2.7, 4.9]``), the report files under ``report/``,
and a description that starts with the verdicts and then says the question,
the design, its levels and seeds and the split. On the experiment: a
description that starts with the newest verdicts, and the saved runs view
(run name, objective, the question's params, the verdict tags).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch.report._build import format_effect
from archsearch.schema import Metric, Tag

if TYPE_CHECKING:
    from archsearch.report._build import Report
    from archsearch.space import Space

__all__ = ["answer_note", "experiment_note", "record_answer", "record_study", "verdict_tags"]


def verdict_tags(data: dict[str, Any]) -> dict[str, str]:
    """``archsearch.verdict.<param>`` -> ``"16 vs 8: helps +3.8 pts [2.7, 4.9] (validation, 3 seeds); ..."``.

    Example:
        >>> data = {"objective": "val_accuracy", "questions": [{"param": "units", "note": None, "effects": [
        ...     {"level": "16", "reference": "8", "verdict": "helps", "diff": 0.038, "ci_low": 0.027,
        ...      "ci_high": 0.049, "n": 3, "n_ref": 3, "exploratory": False, "more_needed": None}]}]}
        >>> verdict_tags(data)
        {'archsearch.verdict.units': '16 vs 8: helps +3.8 pts [2.7, 4.9] (validation, 3 seeds)'}
    """
    return {Tag.VERDICT_PREFIX + q["param"]: _verdicts(q, data["objective"])[:5000] for q in data["questions"]}


def _verdicts(q: dict[str, Any], objective: str) -> str:
    parts = [f"{e['level']} vs {e['reference']}: {format_effect(e, objective, short=True)}" for e in q["effects"]]
    return "; ".join(parts) or q.get("note") or "only one level tried"


def _kind(data: dict[str, Any]) -> str:
    return "exploratory: a search" if data.get("exploratory", True) else "confirmatory: a controlled ablation"


def answer_note(data: dict[str, Any], names: Sequence[str], params: dict[str, str] | None = None) -> str:
    """The parent run's description: the verdicts first, then the question, design, levels, seeds and split.

    ``params``: the run's params (dataset, epochs); ``names``: the report files attached under ``report/``.
    """
    from archsearch.study import design_text

    params = params or {}
    lines = [f"**{q['param']}: {_verdicts(q, data['objective'])}**" for q in data["questions"]]
    splits = [e.get("split") or "validation" for q in data["questions"] for e in q["effects"]]
    questions = [q.get("text") for q in data["questions"] if q.get("text")]
    text = design_text(
        data["design"],
        question=" ".join(questions) or None,
        objective=data["objective"],
        direction=data.get("direction"),
        dataset=params.get("dataset"),
        epochs=params.get("epochs"),
        splits=splits,
    )
    lines += ["", text, ""]
    if names:
        lines.append(
            "The report is in this run's artifacts: `report/report.html` (with its plots), and "
            + ", ".join(n for n in names if n != "report.html")
            + "."
        )
    lines.append(
        f"Study `{data['study']}`"
        + (f", space `{data['space']}`" if data.get("space") else "")
        + f"; refresh with `archsearch report {data['space'] or data['study']}"
        + (f" --study {data['study']}`." if data.get("space") else "`.")
    )
    return "\n".join(lines if lines[0] else lines[1:])[:5000]


def experiment_note(data: dict[str, Any], run: Any, space: Space | None = None) -> str:
    """The experiment's description: the newest verdicts with a link to their run, the question and the data."""
    link = f"#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}?workflowType=machine_learning"
    lines = [
        f"**{q.get('text') or q['param']}** {q['param']} {_verdicts(q, data['objective'])} ([the answer]({link}))"
        for q in data["questions"]
    ] or [f"[The newest run]({link})"]
    if len(lines) > 1:
        lines = [f"- {line}" for line in lines]
    about = [
        f"The answers are {_kind(data)} (`archsearch "
        + ("ask" if data["design"].get("kind") == "ablation" else "run")
        + "`); each run here is one "
        "invocation, its trials are its child runs."
    ]
    if space is not None and space.description and data["design"].get("kind") != "ablation":
        about.insert(0, space.description.strip().split("\n\n")[0])
    data_line = _data_line(run)
    if data_line:
        about.append(data_line)
    return "\n".join([*lines, "", " ".join(about)])[:5000]


def _data_line(run: Any) -> str:
    """``Data: digits (1294 train / 144 validation / 359 test examples), 2 epochs.`` from the run's input."""
    params = run.data.params
    name = params.get("dataset")
    sizes = ""
    for inp in getattr(getattr(run, "inputs", None), "dataset_inputs", None) or []:
        tags = {t.key: t.value for t in inp.tags}
        split = [
            f"{tags[k]} {k.removesuffix('_examples')}"
            for k in ("train_examples", "validation_examples", "test_examples")
            if k in tags
        ]
        name, sizes = inp.dataset.name, f" ({' / '.join(split)} examples)" if split else ""
    if not name:
        return ""
    return f"Data: {name}{sizes}" + (f", {params['epochs']} epochs" if params.get("epochs") else "") + "."


def _columns(data: dict[str, Any]) -> list[str]:
    """The saved view's columns after the run name: the objective, the verdict tags, the questions' params."""
    from archsearch.tracking import metric_column, param_column, tag_column

    params = [q["param"] for q in data["questions"]]
    return (
        [metric_column(Metric.OBJECTIVE)]
        + [tag_column(Tag.VERDICT_PREFIX + p) for p in params]
        + [param_column(p) for p in params]
    )


VERDICT_WIDTH = 300  # pixels: "16 vs 8: helps +3.8 pts [2.7, 4.9]" in full


def record_answer(
    report: Report,
    files: Sequence[Path],
    tracking_uri: str | None = None,
    run_id: str | None = None,
    space: Space | None = None,
) -> str | None:
    """Put ``report``'s answer on its MLflow parent run (``run_id``, else the study's newest) and experiment.

    Returns the run id, or None when the study has no MLflow parent run.
    """
    from archsearch.tracking import answer_run, log_answer

    data = report.to_dict()
    run = answer_run(data["study"], run_id, tracking_uri)
    if run is None:
        return None
    note = answer_note(data, [Path(f).name for f in files], dict(run.data.params))
    columns = _columns(data)
    widths = {c: VERDICT_WIDTH for c in columns if Tag.VERDICT_PREFIX in c}
    return log_answer(
        run,
        files,
        verdict_tags(data),
        note,
        experiment_note=experiment_note(data, run, space),
        columns=columns,
        widths=widths,
        tracking_uri=tracking_uri,
    )


def record_study(
    space_or_study: str | Path | Space,
    *,
    study_name: str | None = None,
    storage: str | None = None,
    tracking_uri: str | None = None,
    run_id: str | None = None,
) -> str | None:
    """Build a study's report and record it (:func:`record_answer`); what ``ask`` and ``run`` do when they end."""
    from archsearch.report._build import build_report
    from archsearch.space import Space, load_space

    space = (
        space_or_study
        if isinstance(space_or_study, Space)
        else (load_space(space_or_study) if str(space_or_study).endswith(".py") else None)
    )
    report = build_report(
        space if space is not None else space_or_study,
        study_name=study_name,
        storage=storage,
        tracking_uri=tracking_uri,
    )
    with tempfile.TemporaryDirectory(prefix="archsearch-report-") as tmp:
        return record_answer(report, report.save(tmp), tracking_uri, run_id, space)
