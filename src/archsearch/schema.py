"""The names archsearch writes and reads back: Optuna trial and study attributes, MLflow tags.

Written in one place and read in another (a trial's attributes by
``study/_objective.py`` and ``study/_trials.py``, the design by ``ablation``
and ``report``, the tags by ``study``, ``tracking`` and ``report``), so they
are spelled once, here (MLflow metric names too: ``Metric``). Changing a value breaks reading studies and runs
written before.
"""

from __future__ import annotations

__all__ = ["Attr", "Metric", "RunParam", "StudyAttr", "Tag"]


class Attr:
    """Optuna user attributes of a trial."""

    SEED = "seed"  # the trial's seed (an enqueued trial carries its own)
    PARAMS_COUNT = "params_count"
    RSS_MIB = "rss_mib"  # resident memory after the trial, MiB
    METRICS = "metrics"  # final metrics (mean over repeats)
    HISTORY = "history"  # per-epoch curves of the first fit
    AT_CHANCE = "at_chance"
    PRUNED_EPOCH = "pruned_epoch"
    ERROR = "error"
    TRACEBACK = "traceback"
    REPEAT_SEEDS = "repeat_seeds"
    REPEAT_VALUES = "repeat_values"  # the objective of each repeat
    REPEAT_METRICS = "repeat_metrics"
    # Per-example "prediction correct" of the final model, one entry per seed (aligned with repeat_seeds;
    # one entry without repeats): base64 of numpy.packbits, N_VAL / N_TEST examples each.
    CORRECT_VAL = "correct_val"
    CORRECT_TEST = "correct_test"
    N_VAL = "n_val"
    N_TEST = "n_test"
    ENGINE_TRIAL = "engine_trial"  # the trial's id in the engine that chose it (keras-tuner's trial_id)
    DESIGN_POINT = "design_point"  # True on a trial a design enqueued (not one the sampler added)
    EPOCHS = "epochs"  # the epochs the trial trained to: its budget (Hyperband brackets differ)
    INITIAL_EPOCH = "initial_epoch"  # where a warm-started fit resumed (a Hyperband continuation), when not 0
    STOPPED = "stopped"  # why a signal or a requested stop ended the trial ("terminated by signal 15", "deadline")


class StudyAttr:
    """Optuna user attributes of a study."""

    DESIGN = "archsearch.design"  # a controlled design (ablation): factor, levels, baseline, base, seeds, identity
    LOOKS = "archsearch.looks"  # an `ask --until-decided`: per look, seeds per level and continue/decided/cap
    SAMPLER = "archsearch.sampler"  # the --sampler of a search
    ENGINE = "archsearch.engine"  # the --engine that chose the trials: optuna or keras-tuner:random|bayesian|hyperband
    TRAINING = "archsearch.training"  # what its trials trained with (epochs, dataset, batch, split seed)
    # on a search study: the first base a sweep plan's `ask --base best` step froze from it (+ "<plan>.step-<N>"),
    # so that every machine running the plan asks in the same ablation study
    SWEEP_BASE_PREFIX = "archsearch.sweep_base."


class Tag:
    """MLflow run tags."""

    # parent runs
    PROCESS = "archsearch.process"  # host/pid/start-time of the process that wrote the run
    SPACE = "archsearch.space"
    SPACE_SHA256 = "archsearch.space_sha256"
    DATASET = "archsearch.dataset"
    VERSION = "archsearch.version"
    STUDY = "archsearch.study"
    STORAGE = "archsearch.storage"
    NOTE = "mlflow.note.content"
    ENGINE = "archsearch.engine"  # the --engine of the search
    PARENT_RUN_ID = "mlflow.parentRunId"
    VERDICT_PREFIX = "archsearch.verdict."  # + the question's parameter
    # trial (child) runs
    TRIAL = "archsearch.trial"
    STATE = "archsearch.state"
    SEED = "archsearch.seed"
    REPEAT_SEEDS = "archsearch.repeat_seeds"
    FUSED = "archsearch.fused"  # replicas per fused pack the trial's seeds trained in ("5", "4+1"); absent: separate
    AT_CHANCE = "archsearch.at_chance"
    PRUNED_EPOCH = "archsearch.pruned_epoch"
    ERROR = "archsearch.error"
    CLOSED_BY = "archsearch.closed_by"
    STOP_REASON = "archsearch.stop_reason"  # parent and trial runs a signal or a requested stop ended (KILLED)
    # experiment: the runs table's columns, as a saved view ("Views" menu) the MLflow UI opens with
    # ?viewStateShareKey=archsearch
    VIEW_KEY = "archsearch"
    SHARED_VIEW = "mlflow.sharedViewState." + VIEW_KEY
    # experiment: which MLflow UI it belongs to; archsearch's are model training, never GenAI
    EXPERIMENT_KIND = "mlflow.experimentKind"
    MODEL_TRAINING = "custom_model_development"  # the value of EXPERIMENT_KIND
    DATASET_CONTEXT = "mlflow.data.context"  # on a logged dataset input: training, validation, testing


class RunParam:
    """MLflow params of parent runs: the settings a search or an ablation really ran with."""

    EPOCHS = "epochs"
    BATCH_SIZE = "batch_size"
    OBJECTIVE = "objective"
    DIRECTION = "direction"
    TRIALS = "trials"
    SEED = "seed"  # --seed: run order, data split, trial seeds
    DATASET = "dataset"
    SAMPLER = "sampler"  # a search's sampler
    PRUNER = "pruner"
    REPEATS = "repeats"  # seeds per trial (a search) or per level (an ablation)
    ENGINE = "engine"
    # an ablation (`archsearch ask`)
    FACTOR = "factor"
    LEVELS = "levels"  # comma-separated, the baseline first
    BASELINE = "baseline"
    BASE = "base"  # where every other hyperparameter is held: default, reference:NAME or the values
    SEEDS = "seeds"  # the seeds every level ran with
    MAX_SEEDS = "max_seeds"  # --until-decided: seeds per level at most (repeats: seeds added per round)


class Metric:
    """MLflow metric names of trial (child) and parent runs.

    MLflow's run page groups charts by the prefix before ``/``, sections sorted
    by name, and puts the metrics without a prefix last ("Model metrics"). So:
    per-epoch curves go under ``curves/<Keras name>`` (first; one value per
    step, step = epoch 1, 2, ...), the last epoch's values (the mean over seeds)
    under ``final/<name>``, each seed's curves (with repeats) under
    ``seed_<r>/<name>``, and a run's single values under their own names
    (:data:`OBJECTIVE`, :data:`PARAMS_COUNT`, ...), which the runs table shows
    as columns and no curve mixes with.
    """

    OBJECTIVE = "objective"
    PARAMS_COUNT = "params_count"
    FIT_SECONDS = "fit_seconds"  # training time of the trial, all its fits
    EPOCH_SECONDS = "epoch_seconds"  # seconds per epoch once running: the median epoch after the first (a pack's / K)
    RSS_MIB = Attr.RSS_MIB  # resident memory of the training process after the trial, MiB
    BEST_OBJECTIVE = "best_objective"  # parent run: the study's best objective so far
    TRIALS_COMPLETE = "trials_complete"  # parent run
    CURVE_PREFIX = "curves/"
    FINAL_PREFIX = "final/"
    SEED_PREFIX = "seed_"

    @staticmethod
    def curve(name: str) -> str:
        """``curves/<name>``: a metric's per-epoch curve (the mean over seeds with repeats)."""
        return Metric.CURVE_PREFIX + name

    @staticmethod
    def final(name: str) -> str:
        """``final/<name>``: a metric's value after the last epoch."""
        return Metric.FINAL_PREFIX + name

    @staticmethod
    def seed(r: int, name: str) -> str:
        """``seed_<r>/<name>``: repeat ``r``'s curve or value."""
        return f"{Metric.SEED_PREFIX}{r}/{name}"
