"""The ``archsearch`` command line. One module per command, loaded lazily.

``archsearch --help`` imports only click: TensorFlow, Optuna and MLflow load
inside the command that needs them.
"""

from archsearch.cli._main import cli, main

__all__ = ["cli", "main"]
