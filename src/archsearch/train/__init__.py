"""Training one trial. Importing this package imports Keras (and TensorFlow)."""

from archsearch.train._fit import (
    FitResult,
    build_model,
    check_model,
    check_objective,
    check_output,
    clear_session,
    fit_model,
    label_format,
    predictions_correct,
    set_seed,
)
from archsearch.train._fusable import FuseRefused, logits_recovered
from archsearch.train._fused import ReplicaOutcome, fit_fused
from archsearch.train._hypermodel import fit_hypermodel, kt_objective
from archsearch.train._monitor import EpochClock, TrialMonitor

__all__ = [
    "EpochClock",
    "FitResult",
    "build_model",
    "check_model",
    "check_objective",
    "check_output",
    "clear_session",
    "fit_model",
    "label_format",
    "logits_recovered",
    "predictions_correct",
    "set_seed",
    "TrialMonitor",
    "fit_hypermodel",
    "kt_objective",
    "FuseRefused",
    "ReplicaOutcome",
    "fit_fused",
]
