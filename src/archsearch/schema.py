"""The names archsearch writes and reads back: Optuna trial and study attributes, MLflow tags.

Written in one place and read in another (a trial's attributes by
``study/_objective.py`` and ``study/_trials.py``, the design by ``ablation``
and ``report``, the tags by ``study``, ``tracking`` and ``report``), so they
are spelled once, here. Changing a value breaks reading studies and runs
written before.
"""

from __future__ import annotations

__all__ = ["Attr", "StudyAttr", "Tag"]


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
    DESIGN_POINT = "design_point"  # True on a trial a design enqueued (not one the sampler added)


class StudyAttr:
    """Optuna user attributes of a study."""

    DESIGN = "archsearch.design"  # a controlled design (ablation): factor, levels, baseline, base, seeds, identity
    LOOKS = "archsearch.looks"  # an `ask --until-decided`: per look, seeds per level and continue/decided/cap
    SAMPLER = "archsearch.sampler"  # the --sampler of a search


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
    PARENT_RUN_ID = "mlflow.parentRunId"
    VERDICT_PREFIX = "archsearch.verdict."  # + the question's parameter
    # trial (child) runs
    TRIAL = "archsearch.trial"
    STATE = "archsearch.state"
    SEED = "archsearch.seed"
    REPEAT_SEEDS = "archsearch.repeat_seeds"
    AT_CHANCE = "archsearch.at_chance"
    PRUNED_EPOCH = "archsearch.pruned_epoch"
    ERROR = "archsearch.error"
    CLOSED_BY = "archsearch.closed_by"
