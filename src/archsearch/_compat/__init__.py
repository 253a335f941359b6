"""Shims over the private APIs of the libraries archsearch builds on: one module per library.

Where a library has no public API for what archsearch needs, the private name is
used here only, and tests/test_compat.py fails loudly (naming the name) when a
new release of the library renames or changes it.

* :mod:`archsearch._compat.keras_tuner`: keras-tuner's hyperparameter hook and
  tuner internals (the hp API runs on Optuna; keras-tuner engines record in Optuna).
* :mod:`archsearch._compat.keras`: a built model's graph, run again with other layers (stacked packs).
* :mod:`archsearch._compat.optuna`: the parameters of an enqueued trial; a trial ended from outside it.
"""

from __future__ import annotations

__all__: list[str] = []
