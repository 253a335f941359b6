"""Search engines: Optuna (the default) or keras-tuner's own tuners, recorded in the same Optuna study and MLflow runs.

``--engine keras-tuner:random|bayesian|hyperband`` hands the search to
``kt.RandomSearch``, ``kt.BayesianOptimization`` or ``kt.Hyperband``: their
oracles pick every trial's values (and, for Hyperband, its epochs and the
trial whose weights it continues from), their ``Tuner.run_trial`` runs it
(checkpointing, Hyperband's warm start). Only the fit itself is archsearch's
(``Objective.run``: same data pipeline, seeds, labels, divergence checks,
HyperModel.fit overrides), and each keras-tuner trial is added to the Optuna
study as a trial of its own (its values enqueued, then asked, so that Optuna
stores them with their distributions) and logged as an MLflow child run. The
study's ``archsearch.engine`` attribute, the parent run's ``engine`` param
and ``archsearch.engine`` tag name the engine, so ``report`` can set engines
side by side.

keras-tuner writes its trials and checkpoints to a temporary directory that
is removed afterwards; a rerun starts a fresh keras-tuner search for the
trials still missing.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archsearch.errors import UsageError
from archsearch.schema import Attr

if TYPE_CHECKING:
    from archsearch.study._objective import Objective

__all__ = ["ENGINES", "KERAS_TUNER_ENGINES", "check_engine", "search_with_keras_tuner"]

KERAS_TUNER_ENGINES = ("keras-tuner:random", "keras-tuner:bayesian", "keras-tuner:hyperband")
ENGINES = ("optuna", *KERAS_TUNER_ENGINES)
HYPERBAND_FACTOR = 3  # keras-tuner's default


def check_engine(name: str) -> None:
    if name not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, but got {name!r}.")


def _tuner_class(engine: str) -> Any:
    import keras_tuner

    return {
        "keras-tuner:random": keras_tuner.RandomSearch,
        "keras-tuner:bayesian": keras_tuner.BayesianOptimization,
        "keras-tuner:hyperband": keras_tuner.Hyperband,
    }[engine]


def search_with_keras_tuner(
    engine: str,
    objective: Objective,
    study: Any,
    *,
    trials: int,
    epochs: int,
    seed: int,
    should_stop: Callable[[], bool],
    claim: Callable[[Any], None] = lambda trial: None,
) -> None:
    """Run ``trials`` keras-tuner trials (fewer if ``should_stop()`` says so after one), each recorded in ``study``.

    Args:
        engine: one of :data:`KERAS_TUNER_ENGINES`.
        objective: the archsearch objective that fits and records one trial.
        study: the Optuna study the trials are added to.
        trials: how many keras-tuner trials to run now.
        epochs: the epochs of a trial; Hyperband's ``max_epochs``.
        seed: keras-tuner's oracle seed.
        should_stop: asked after each trial; True ends the search.
        claim: records this process as the owner of a new Optuna trial (crash recovery).
    """
    import keras_tuner
    import optuna

    from archsearch import train
    from archsearch._compat.keras_tuner import save_json
    from archsearch.space import FixedHyperParameters, HyperParameters, record_on_trial

    space, dataset = objective.space, objective.dataset

    class SpaceHyperModel(keras_tuner.HyperModel):
        """The space's builder (checked and compiled as in every archsearch trial)."""

        def build(self, hp: Any) -> Any:
            if not hasattr(hp, "fit_callbacks"):  # keras-tuner's own hp, while its tuner explores the space
                hp.fit_callbacks = []
            return train.build_model(space, hp, dataset)

    base = _tuner_class(engine)

    class RecordingTuner(base):  # type: ignore[misc, valid-type]
        """keras-tuner's tuner, fitting with archsearch and recording each trial in Optuna and MLflow."""

        def _build_and_fit_model(self, trial: Any, *args: Any, **kwargs: Any) -> float:
            # keras-tuner's values on archsearch's hp (HyperParameters.fit_callbacks: the builder's schedule reaches
            # the fit); the populated values decide every declaration, as on keras-tuner's own object.
            hp = HyperParameters.from_config(trial.hyperparameters.get_config())
            # A dry build first, on archsearch's hp with keras-tuner's values: what this build declares is what
            # the trial records (keras-tuner's hp also holds values of hyperparameters this build does not ask
            # for, e.g. one under a plain `if` that is false now), and it must be enqueued before the trial exists.
            asked = FixedHyperParameters(dict(hp.values))
            with contextlib.suppress(Exception):  # a build that raises fails in the trial itself, recorded
                self.hypermodel.build(asked)
            train.clear_session()
            study.enqueue_trial(record_on_trial(None, asked), user_attrs={Attr.ENGINE_TRIAL: str(trial.trial_id)})
            optuna_trial = study.ask()
            claim(optuna_trial)
            record_on_trial(optuna_trial, asked)
            built: list[Any] = []

            def build(values: Any) -> Any:
                built.append(self._try_build(values))  # Hyperband's warm start loads the weights here
                return built[-1]

            try:
                value = objective.run(
                    optuna_trial,
                    hp,
                    build=build,
                    callbacks=list(kwargs.get("callbacks", [])),
                    epochs=kwargs.get("epochs"),
                    initial_epoch=kwargs.get("initial_epoch", 0),
                )
            except BaseException:
                study.tell(optuna_trial, state=optuna.trial.TrialState.FAIL)
                raise
            study.tell(optuna_trial, value)
            # What keras-tuner's own _build_and_fit_model saves: Hyperband rebuilds a warm-started model from it.
            save_json(self._get_build_config_fname(trial.trial_id), built[-1].get_build_config())
            return value

        def on_trial_end(self, trial: Any) -> None:
            super().on_trial_end(trial)
            if should_stop():
                self.oracle.max_trials = len(self.oracle.trials)  # the oracle stops at its next trial

    kt_objective = train.kt_objective(space.objective, space.direction)
    kwargs: dict[str, Any] = {
        "hypermodel": SpaceHyperModel(),
        "objective": kt_objective,
        "seed": seed,
        "max_consecutive_failed_trials": None,
    }
    if engine == "keras-tuner:hyperband":
        # --trials is the budget: enough Hyperband iterations that the trial count, not the brackets, ends it.
        kwargs.update(max_epochs=epochs, factor=HYPERBAND_FACTOR, hyperband_iterations=max(trials, 1))
    else:
        kwargs["max_trials"] = trials
    with tempfile.TemporaryDirectory(prefix="archsearch-keras-tuner-") as directory, warnings.catch_warnings():
        # Trials asked outside Study.optimize get no heartbeat thread; their owner is recorded instead (claim).
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with Study.optimize")
        # Hyperband's warm start loads a checkpoint's weights into a model whose optimizer has no state yet; Keras
        # then says it skips the optimizer's variables. That is keras-tuner's design (the optimizer starts afresh).
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        tuner = RecordingTuner(directory=directory, project_name=space.name, overwrite=True, **kwargs)
        tuner.oracle.max_trials = len(tuner.oracle.trials) + trials
        # keras-tuner prints its progress; stdout is archsearch's summary.
        with contextlib.redirect_stdout(sys.stderr):
            tuner.search(epochs=epochs, verbose=0)


def timer(timeout: float | None) -> Callable[[], bool]:
    """True once ``timeout`` seconds have passed (never without one)."""
    start = time.monotonic()
    return lambda: timeout is not None and time.monotonic() - start >= timeout
