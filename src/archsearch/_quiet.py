"""TensorFlow's start-up lines (absl, oneDNN, cpu_feature_guard), silenced before TensorFlow is imported.

TensorFlow's C++ logging reads its level from the environment once, when it
loads: setting it later does nothing. The CLI calls :func:`quiet_tensorflow`
first thing, so the processes it starts (trial workers) inherit the setting.
"""

from __future__ import annotations

import os

__all__ = ["TF_LOG_ENV", "quiet_tensorflow"]

# 2: TensorFlow's C++ code logs errors only (no INFO/WARNING lines such as oneDNN's or cpu_feature_guard's,
# so absl never prints "All log messages before absl::InitializeLog() is called ...").
TF_LOG_ENV = "TF_CPP_MIN_LOG_LEVEL"


def quiet_tensorflow(debug: bool = False) -> None:
    """Silence TensorFlow's C++ start-up lines, or (``debug``) let them through; a value the user set wins."""
    os.environ.setdefault(TF_LOG_ENV, "0" if debug else "2")
