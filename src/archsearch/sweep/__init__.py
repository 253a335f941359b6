"""Sweep plans (``search/*.toml``): a list of ``archsearch`` commands to run unattended, e.g. every night."""

from archsearch.sweep._plan import COMMANDS, Plan, Step, load_plan
from archsearch.sweep._execute import StepOutcome, SweepResult, run_plan

__all__ = ["COMMANDS", "Plan", "Step", "StepOutcome", "SweepResult", "load_plan", "run_plan"]
