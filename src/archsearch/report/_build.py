"""Build the report of a study: questions, effects, verdicts, best trials, importance."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch.analysis import SCHEMA
from archsearch.errors import UsageError
from archsearch.schema import StudyAttr, Tag
from archsearch.study import trials_table

if TYPE_CHECKING:
    import pandas as pd

    from archsearch.space import Space

__all__ = ["SCHEMA", "Report", "answer_kind", "build_report", "format_effect", "search_name"]


@dataclasses.dataclass
class Report:
    """A study's report. ``data`` follows docs/report-schema.md; ``table`` is the trial table.

    In Jupyter the object renders itself as HTML with its plots.
    """

    data: dict[str, Any]
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (see docs/report-schema.md)."""
        return self.data

    def to_json(self) -> str:
        return json.dumps(self.data, indent=2, allow_nan=False)

    def to_markdown(self, images: dict[str, str] | None = None) -> str:
        """Markdown; ``images`` maps plot names to file names to link."""
        from archsearch.report._render import render_markdown

        return render_markdown(self.data, images)

    def plots(self) -> dict[str, bytes]:
        """PNG bytes by name.

        The names: ``effect_<param>``, ``learning_curves``, ``objective_over_trials``, ``size_vs_objective``.
        """
        from archsearch.report._plots import make_plots

        return make_plots(self.data, self.table)

    def to_html(self) -> str:
        """One self-contained HTML page (plots embedded as base64 PNGs)."""
        from archsearch.report._render import render_html

        return render_html(self.data, self.plots())

    def _repr_html_(self) -> str:
        return self.to_html()

    def save(self, out: str | Path, formats: tuple[str, ...] = ("md", "html", "json")) -> list[Path]:
        """Write report.md (+ PNGs), report.html and report.json under ``out``; returns the files."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        plots = self.plots() if {"md", "html"} & set(formats) else {}
        if "md" in formats:
            images = {}
            for name, png in plots.items():
                (out / f"{name}.png").write_bytes(png)
                images[name] = f"{name}.png"
                written.append(out / f"{name}.png")
            (out / "report.md").write_text(self.to_markdown(images))
            written.append(out / "report.md")
        if "html" in formats:
            from archsearch.report._render import render_html

            (out / "report.html").write_text(render_html(self.data, plots))
            written.append(out / "report.html")
        if "json" in formats:
            (out / "report.json").write_text(self.to_json())
            written.append(out / "report.json")
        return written


def build_report(
    space_or_study: str | Path | Space,
    *,
    study_name: str | None = None,
    storage: str | None = None,
    tracking_uri: str | None = None,
    importance_resamples: int = 20,
    top: int = 5,
    fdr: bool = False,
) -> Report:
    """Load a study and compute everything the report shows.

    The statistics are :func:`archsearch.analyze_table`'s on the study's trial
    table: a search is analysed as ``design="search"`` (exploratory: effects
    adjusted by regression on the other hyperparameters), an ablation (the
    study's ``archsearch.design`` attribute) as ``design="ablation"``
    (confirmatory: paired per seed). One family of comparisons per report,
    Holm-adjusted, or Benjamini-Hochberg with ``fdr``.

    Args:
        space_or_study: a space file (its questions are answered; the study is
            named after it) or a study name (questions: every hyperparameter).
        study_name: the study, when it is not the space's name.
        storage: Optuna storage URL (default as in ``archsearch run``).
        tracking_uri: MLflow tracking URI; used to find the space file of a study given by name.
        importance_resamples: bootstrap and permutation refits of fANOVA (0: no importance).
        top: number of best trials listed.
        fdr: control the false discovery rate (Benjamini-Hochberg) instead of Holm's family-wise rate.

    Example:
        >>> report = build_report("spaces/digits_quick.py")  # doctest: +SKIP
        >>> report.to_dict()["questions"][0]["effects"][0]["verdict"]  # doctest: +SKIP
        'too few trials'
    """
    from archsearch.analysis import analyze_table, best_trials, chance_level, chance_trials, json_ready, state_counts
    from archsearch.report._lab_context import lab_context
    from archsearch.study import importance, load_trials, open_study

    space, name = _resolve(space_or_study, study_name)
    study = open_study(name, storage)
    if space is None:
        space = _space_from_mlflow(study.study_name, tracking_uri)
    table = load_trials(study)
    direction = study.direction.name.lower()
    design = dict(
        study.user_attrs.get(StudyAttr.DESIGN)
        or {"kind": "search", "sampler": study.user_attrs.get(StudyAttr.SAMPLER, "tpe")}
    )
    objective = space.objective if space is not None else _objective_from_history(table)
    paired = design.get("kind") == "ablation"
    questions = _questions(space, table, design)
    classes = _num_classes(design.get("dataset") or (space.dataset if space is not None else None))
    stats = analyze_table(
        trials_table(table, objective),
        design="ablation" if paired else "search",
        questions=questions,
        direction=direction,
        plan=design if paired else None,
        adjust_method="fdr_bh" if fdr else "holm",
        space=None if space is None else str(space.path),
        study=study.study_name,
        objective=objective,
        chance=chance_level(objective, classes),
        min_effect=design.get("min_effect"),
    )
    for q in stats["questions"]:
        for e in q["effects"]:
            e["summary"] = format_effect(e, objective)
            _withhold_p(e, objective)
    done = table[table["state"] == "COMPLETE"]
    notes = list(stats["notes"])
    if not paired:
        notes.append(_search_note(space, stats["questions"], design.get("sampler", "tpe"), study.study_name))
    if space is not None and not space.questions and not paired:
        notes.append("The space declares no QUESTIONS: every hyperparameter is reported.")
    from archsearch.stores import redact

    best = best_trials(done, direction, top)
    data = {
        **stats,
        "study": study.study_name,
        "storage": redact(str(storage or "")),  # reports are shared: never the password
        "space": None if space is None else str(space.path),
        "objective": objective,
        "design": design,
        "counts": {
            **state_counts(table),
            "excluded": stats["counts"]["excluded"],
            "other_budget": stats["counts"]["other_budget"],
            "rows": int(len(done)),
        },
        "lab": lab_context(space, design, table=table),
        "best_trials": _records(best.drop(columns=[c for c in ("history",) if c in best.columns])),
        "importance": (
            importance(study, importance_resamples)
            if importance_resamples and not paired
            else {
                "evaluator": None,
                "params": {},
                "error": "an ablation varies one factor by design: its effect is the answer."
                if paired
                else "not requested.",
            }
        ),
        "at_chance": chance_trials(done, classes),
        "failed": [
            {"trial": int(trial), "error": error}
            for trial, error in table[table["state"] == "FAIL"]
            .drop_duplicates("trial")[["trial", "error"]]
            .itertuples(index=False)
        ],
        "notes": notes,
    }
    return Report(json_ready(data), table)


def _withhold_p(effect: dict[str, Any], objective: str) -> None:
    """A comparison without an answer (did not learn, too few trials, an interval past the metric's range) shows
    no p-value, as its verdict shows no interval: ``p`` and ``p_adjusted`` are null, ``p_note`` says why."""
    from archsearch.analysis import no_answer

    why = no_answer(effect, objective)
    if why is not None:
        effect.update({"p": None, "p_adjusted": None, "p_note": f"no p-value: {why}"})


def _objective_from_history(table: pd.DataFrame) -> str:
    """Without a space: the history curve whose last value is the objective of every complete trial."""
    import math

    done = table[(table["state"] == "COMPLETE") & table["history"].map(lambda h: isinstance(h, dict))]
    done = done[done.groupby("trial")["trial"].transform("size") == 1]
    names = None
    for h, v in zip(done["history"], done["value"], strict=True):
        hits = {k for k, c in h.items() if c and v is not None and math.isclose(float(c[-1]), float(v))}
        names = hits if names is None else names & hits
    return sorted(names)[0] if names else "objective"


def format_effect(effect: dict[str, Any], objective: str, *, short: bool = False) -> str:
    """One comparison's verdict in words: :func:`archsearch.analysis.verdict_text` (the one renderer).

    Example:
        >>> format_effect({"verdict": "helps", "diff": 0.021, "ci_low": 0.008, "ci_high": 0.034,
        ...                "more_needed": None, "n": 5, "n_ref": 5, "exploratory": True}, "val_accuracy")
        'helps: +2.1 pts [0.8, 3.4] on the validation split, 5 trials per level; exploratory (search)'

    ``short`` (MLflow tags, the runs table): ``helps +2.1 pts [0.8, 3.4] (validation, 5 trials)``.
    """
    from archsearch.analysis import verdict_text

    return verdict_text(effect, objective, short=short)


def _resolve(space_or_study: Any, study_name: str | None) -> tuple[Space | None, str]:
    from archsearch.space import Space, load_space

    if isinstance(space_or_study, Space):
        return space_or_study, study_name or space_or_study.name
    text = str(space_or_study)
    if text.endswith(".py") or Path(text).is_file():
        space = load_space(text)
        return space, study_name or space.name
    return None, study_name or text


def _space_from_mlflow(study: str, tracking_uri: str | None) -> Space | None:
    from archsearch.space import load_space
    from archsearch.tracking import newest_parent_run

    run = newest_parent_run(study, tracking_uri)
    path = None if run is None else run.data.tags.get(Tag.SPACE)
    if path and Path(path).is_file():
        try:
            return load_space(path)
        except UsageError:
            return None
    return None


def _questions(space: Space | None, table: pd.DataFrame, design: dict[str, Any]) -> list[dict[str, Any]]:
    declared = {q.param: q for q in (space.questions if space is not None else [])}
    if design.get("kind") == "ablation":
        factor = design["factor"]
        q = declared.get(factor)
        baseline = design.get("baseline", q.baseline if q else None)
        return [{"param": factor, "text": q.text if q else f"What does {factor} change?", "baseline": baseline}]
    if declared:
        return [{"param": q.param, "text": q.text, "baseline": q.baseline} for q in declared.values()]
    params = [c[len("params_") :] for c in table.columns if c.startswith("params_") and c != "params_count"]
    return [{"param": p, "text": f"What does {p} change?", "baseline": None} for p in params]


def _num_classes(dataset: str | None) -> int | None:
    if dataset is None:
        return None
    try:
        from archsearch.data import get_info

        info = get_info(dataset)
    except Exception:
        return None
    return None if info is None else info.num_classes


def _search_note(space: Space | None, questions: list[dict[str, Any]], sampler: str, study: str) -> str:
    """The search's caveat and the ``archsearch ask`` of its first question (the first comparison's levels)."""
    from archsearch.analysis import ask_command, ask_words

    path = None if space is None else str(space.path)
    first = next((e.get("ask_command") for q in questions for e in q["effects"] if e.get("ask_command")), None)
    command = first or ask_command(path, questions[0]["param"] if questions else "PARAM", study=study)
    # Model-based samplers concentrate trials where the objective was good; random/QMC/grid do not.
    cluster = "trials cluster around good regions, so " if sampler in ("tpe", "cmaes", "gp") else ""
    return (
        f"This study is a {search_name(sampler)}, not a controlled design: {cluster}each effect is conditional "
        f"on the configurations the sampler chose (other hyperparameters vary too). For a controlled answer "
        f"run: {ask_words(command, path, study)}"
    )


def search_name(sampler: str) -> str:
    """``"TPE search"``, ``"random search"``, ... for the notes and verdict lines."""
    return {"tpe": "TPE", "cmaes": "CMA-ES", "gp": "Gaussian-process", "qmc": "quasi-random"}.get(
        sampler, sampler
    ) + " search"


def answer_kind(data: dict[str, Any]) -> str:
    """What kind of answer a report gives, in words: exploratory (search) or confirmatory (ask), and how.

    Example:
        >>> answer_kind({"exploratory": False, "design": {"kind": "ablation"}, "alpha": 0.05,
        ...              "multiplicity": {"method": "holm", "description": "Holm (family-wise error rate)",
        ...                           "family": "2 comparisons", "m": 2}}).split(";")[0]
        'confirmatory (ask): a controlled ablation, paired over seeds (and test examples, where recorded)'
    """
    m = data["multiplicity"]
    family = f"{m['description']} over {m['family']}, alpha {data['alpha']:g}"
    if not data["exploratory"]:
        how = "paired over seeds (and test examples, where recorded)"
        return f"confirmatory (ask): a controlled ablation, {how}; {family}"
    return (
        f"exploratory (search): a {search_name(data['design'].get('sampler', 'tpe'))}, effects adjusted "
        f"for the other hyperparameters by regression; {family}"
    )


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records"))
