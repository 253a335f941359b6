"""Training one trial. Importing this package imports Keras (and TensorFlow)."""

from archsearch.train._fit import FitResult, build_model, check_output, clear_session, fit_model, set_seed

__all__ = ["FitResult", "build_model", "check_output", "clear_session", "fit_model", "set_seed"]
