"""The ``archsearch`` command line. One module per command, loaded lazily.

``archsearch --help`` imports only click: TensorFlow, Optuna and MLflow load
inside the command that needs them. Sweep plans (a list of these commands, run
unattended) are checked here against the commands' own options; the night itself
(deadline, lock, state, summary, schedule) is :mod:`archsearch.sweep`.
"""

from archsearch.cli._main import cli, main
from archsearch.cli._sweep_plan import COMMANDS, Plan, Step, load_plan

__all__ = ["COMMANDS", "Plan", "Step", "cli", "load_plan", "main"]
