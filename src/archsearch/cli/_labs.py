"""``archsearch report --labs PLAN``: the ask and run steps of a lab plan, each lab's number next to the answer."""

from __future__ import annotations

from typing import Any

__all__ = ["lab_asks", "labs_document"]


def lab_asks(plan_path: str, storage: str | None = None) -> list[Any]:
    """The plan's ``ask`` and ``run`` steps as :class:`archsearch.report.LabAsk`, each with its study's name.

    An ask's study is named ``<space>-ablation-<factor>-<identity>``; the identity
    hashes settings the step may leave to the reference (epochs, batch), so the
    study is found in ``storage`` by its design (factor, levels, base, dataset,
    epochs): the newest such study, or the name without identity if none is there.

    Raises:
        UsageError: the plan is not valid (see :func:`load_plan`) or has no ask step.
    """
    import click

    from archsearch.ablation import ablation_study_name
    from archsearch.cli._main import cli
    from archsearch.cli._sweep_plan import load_plan
    from archsearch.errors import UsageError
    from archsearch.report import LabAsk
    from archsearch.space import load_space

    plan = load_plan(plan_path)
    asks = []
    for step in plan.steps:
        if step.command not in ("ask", "run"):
            continue
        command = cli.get_command(click.Context(cli), step.command)
        assert command is not None  # registered in cli/_main.py
        params = command.make_context(step.command, [step.space, *step.args]).params
        space = load_space(step.space)
        if step.command == "run":
            asks.append(
                LabAsk(
                    step.space,
                    "",
                    params["study_name"] or space.name,
                    (),
                    params.get("repeats") or 1,
                    "default",
                    params["dataset"],
                    kind="run",
                    epochs=params["epochs"],
                    trials=params["trials"] or space.trials,
                )
            )
            continue
        levels = tuple(v.strip() for v in (params["levels"] or "").split(",") if v.strip())
        epochs = params["epochs"] or _reference_epochs(space, params["base"]) or space.epochs
        study = params["study_name"] or _find_study(
            storage,
            ablation_study_name(space, params["factor"]),
            params["factor"],
            levels,
            params["base"],
            params["dataset"] or space.dataset,
            epochs,
        )
        asks.append(
            LabAsk(
                step.space,
                params["factor"],
                study,
                levels,
                params["repeats"],
                params["base"],
                params["dataset"],
                epochs=epochs,
                max_seeds=params["max_seeds"] if params.get("until_decided") else None,
            )
        )
    if not any(a.kind == "ask" for a in asks):
        raise UsageError(
            f'{plan_path}: no ask step; --labs reads a plan\'s `ask = "SPACE"` steps (e.g. search/labs_offline.toml).'
        )
    return asks


def _reference_epochs(space: Any, base: str) -> int | None:
    from archsearch.blocks import space_references

    if not base.startswith("reference:"):
        return None
    ref = space_references(space).get(base[len("reference:") :])
    return ref.epochs if ref else None


def _find_study(
    storage: str | None, prefix: str, factor: str, levels: tuple[str, ...], base: str, dataset: str, epochs: int
) -> str:
    """The newest study named ``prefix`` or ``prefix-<identity>`` whose design is this step's; else ``prefix``."""
    import datetime as dt

    import optuna

    from archsearch.schema import StudyAttr
    from archsearch.stores import open_storage, resolve_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    summaries = optuna.get_all_study_summaries(open_storage(resolve_storage(storage)), include_best_trial=False)
    reference = base[len("reference:") :] if base.startswith("reference:") else None
    found = []
    for s in summaries:
        if s.study_name != prefix and not s.study_name.startswith(prefix + "-"):
            continue
        d = s.user_attrs.get(StudyAttr.DESIGN) or {}
        if (
            d.get("factor") == factor
            and (not levels or [str(v) for v in d.get("levels") or []] == list(levels))
            and d.get("reference") == reference
            and d.get("dataset") == dataset
            and int(d.get("epochs") or 0) == int(epochs)
        ):
            found.append(s)
    newest = max(found, key=lambda s: s.datetime_start or dt.datetime.min, default=None)
    return newest.study_name if newest else prefix


def labs_document(plan_path: str, storage: str | None, fmt: str = "md") -> str:
    """docs/labs-results.md for ``plan_path`` (``fmt="json"``: the same rows as JSON), read from ``storage``."""
    from archsearch.report import labs_json, labs_markdown, labs_rows

    rows = labs_rows(lab_asks(plan_path, storage), storage)
    if fmt == "json":
        return labs_json(rows, plan=plan_path, storage=storage)
    command = f"archsearch report --labs {plan_path}"
    return labs_markdown(rows, plan=plan_path, command=command, storage=storage)
