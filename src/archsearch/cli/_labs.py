"""``archsearch report --labs PLAN``: the ask steps of a lab plan, each lab's number next to archsearch's answer."""

from __future__ import annotations

from typing import Any

__all__ = ["lab_asks", "labs_document"]


def lab_asks(plan_path: str) -> list[Any]:
    """The plan's ``ask`` steps as :class:`archsearch.report.LabAsk` (study name as the step would name it).

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
    command = cli.get_command(click.Context(cli), "ask")
    assert command is not None  # registered in cli/_main.py
    asks = []
    for step in plan.steps:
        if step.command != "ask":
            continue
        params = command.make_context("ask", [step.space, *step.args]).params
        study = params["study_name"] or ablation_study_name(load_space(step.space), params["factor"])
        levels = tuple(v.strip() for v in (params["levels"] or "").split(",") if v.strip())
        asks.append(LabAsk(step.space, params["factor"], study, levels, params["repeats"], params["base"],
                           params["dataset"]))
    if not asks:
        raise UsageError(f"{plan_path}: no ask step; --labs reads a plan's `ask = \"SPACE\"` steps "
                         "(e.g. search/labs_offline.toml).")
    return asks


def labs_document(plan_path: str, storage: str | None) -> str:
    """The Markdown of docs/labs-results.md for ``plan_path``, read from ``storage``."""
    from archsearch.report import labs_markdown, labs_rows

    rows = labs_rows(lab_asks(plan_path), storage)
    command = f"archsearch report --labs {plan_path}"
    return labs_markdown(rows, plan=plan_path, command=command, storage=storage)
