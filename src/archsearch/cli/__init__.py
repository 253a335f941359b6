"""The ``archsearch`` command line. One module per command, loaded lazily.

``archsearch --help`` imports only click: TensorFlow, Optuna and MLflow load
inside the command that needs them. Sweep plans (a list of these commands, run
unattended) live here too: they check and run the commands, so they sit above them.
"""

from archsearch.cli._main import cli, main
from archsearch.cli._sweep_plan import COMMANDS, Plan, Step, load_plan
from archsearch.cli._sweep_run import StepOutcome, SweepResult, run_plan

__all__ = ["COMMANDS", "Plan", "Step", "StepOutcome", "SweepResult", "cli", "load_plan", "main", "run_plan"]
