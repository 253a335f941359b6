"""An ablation's own study: its name, its design attribute, and the rounds run in it."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from archsearch.errors import FatalError, UsageError
from archsearch.schema import StudyAttr

if TYPE_CHECKING:
    from archsearch.ablation._design import AblationDesign
    from archsearch.space import Space
    from archsearch.study import RunOptions, SearchResult

__all__ = [
    "ablation_study_name",
    "no_trial_finished",
    "recorded_design",
    "run_round",
    "same_question",
    "set_study_attr",
]


def ablation_study_name(space: Space, factor: str, identity: str | None = None) -> str:
    """The dedicated study of an ablation, e.g. ``digits_quick-ablation-layers-3f9a0c1e``.

    ``identity`` (:func:`design_identity`) keeps ablations of other bases, levels or
    settings in other studies. Studies written before it existed are named without it.
    """
    return f"{space.name}-ablation-{factor}" + (f"-{identity}" if identity else "")


def recorded_design(options: RunOptions) -> dict[str, Any] | None:
    """The design attribute of ``options.study_name`` as an earlier ``ask`` recorded it (None: no such study yet)."""
    import optuna

    from archsearch.stores import open_storage, resolve_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        study = optuna.load_study(study_name=options.study_name, storage=open_storage(resolve_storage(options.storage)))
    except KeyError:
        return None
    design = study.user_attrs.get(StudyAttr.DESIGN)
    return design if isinstance(design, dict) else None


def same_question(before: dict[str, Any] | None, plan: AblationDesign, study_name: str) -> None:
    """Refuse a rerun of a recorded design that asks it otherwise (another identity is refused by ``run_round``).

    A sequential design (``--until-decided``) spent its alpha over looks: read without them, as a fixed design,
    its verdicts would claim more than its error rate allows. The minimum effect is the margin of "no effect"
    and of the sequential stops: chosen after the data were seen, it would be no test.

    Raises:
        UsageError: naming the options the design was asked with and how to ask another question.
    """
    from archsearch.analysis import DEFAULT_MIN_EFFECT

    if not before or before.get("kind") != "ablation" or before.get("identity") != plan.identity:
        return
    elsewhere = f"read it with `archsearch report --study {study_name}`, or pass --study NAME for a new design"
    if before.get("sequential") and not plan.sequential:
        seq = before["sequential"]
        raise UsageError(
            f"study {study_name!r} holds a sequential design (--until-decided --repeats {seq.get('repeats')} "
            f"--max-seeds {seq.get('max_seeds')}), whose verdicts rest on its looks' alpha spending; continue it "
            f"with --until-decided (a larger --max-seeds adds seeds), {elsewhere}."
        )
    was, now = before.get("min_effect") or DEFAULT_MIN_EFFECT, plan.min_effect or DEFAULT_MIN_EFFECT
    if abs(float(was) - float(now)) > 1e-12:
        raise UsageError(
            f"study {study_name!r} was asked with --min-effect {was:g}, the margin its verdicts are judged at; "
            f"a margin chosen after the data were seen is no test. Ask with --min-effect {was:g}, {elsewhere}."
        )


def run_round(space: Space, options: RunOptions, plan: AblationDesign) -> SearchResult:
    """One round of the design: its study marked, its pairs enqueued and run (``options.trials``: all of them)."""
    from archsearch.study import run_search

    _mark_study(space, options, plan)
    search = run_search(space, options, enqueue=plan.pairs)
    while search.recycle:  # RunOptions.recycle_after: go on here (only `archsearch run` restarts its process)
        search = run_search(space, dataclasses.replace(options, parent_run_id=search.parent_run_id), enqueue=plan.pairs)
    return search


def no_trial_finished(space: Space, options: RunOptions, search: SearchResult) -> None:
    """Every trial of the design failed: there is no answer to give, so stop as a search whose trials keep
    failing stops (exit 1), with the first failure's reason, rather than print verdicts about nothing.

    Raises:
        FatalError: no trial of the study finished and some failed.
    """
    if search.finished or not search.failed:
        return
    from archsearch.analysis import counted
    from archsearch.schema import Attr

    study = _open_or_create(options.study_name, options.storage, None)
    failed = sorted((t for t in study.get_trials(deepcopy=False) if t.state.name == "FAIL"), key=lambda t: t.number)
    error = str(failed[0].user_attrs.get(Attr.ERROR) or "") if failed else ""
    first = f"; the first: {(error.splitlines() or [''])[0][:300].rstrip('.')}" if error else ""
    raise FatalError(
        f"{space.path}: every trial of the ablation failed ({counted(search.failed, 'trials')}), so it has no "
        f"answer{first}. Fix that and run the same ask again (it runs the failed trials again)."
    )


def _mark_study(space: Space, options: RunOptions, plan: AblationDesign) -> None:
    """Create the study with its design attribute first, so even an interrupted ablation reports as one.

    A study that holds another design (another identity, an ablation from before
    identities, or a search: trials and no design) is refused: its trials would pool with this design's.
    """
    study = _open_or_create(options.study_name, options.storage, space.direction)
    before = study.user_attrs.get(StudyAttr.DESIGN) or {}
    trials = len(study.get_trials(deepcopy=False))
    if before.get("kind", "search" if trials else None) not in (None, "ablation"):  # e.g. `archsearch run`'s study
        from archsearch.analysis import counted

        raise UsageError(
            f"--study {options.study_name!r} is a {before.get('kind', 'search')} study ({counted(trials, 'trials')}), "
            "not this ablation's design: its trials would pool with the design's and its reports would read as an "
            "ablation. Drop --study (this design's own study is "
            f"{ablation_study_name(space, plan.factor, plan.identity)!r}) or name a new one."
        )
    if before.get("kind") == "ablation" and before.get("identity") != plan.identity:
        why = (
            f"another design (identity {before['identity']}: other base, levels, sizes, dataset, epochs or seed)"
            if before.get("identity")
            else "an ablation written before designs had an identity"
        )
        raise UsageError(
            f"--study {options.study_name!r} holds {why}; this one is {plan.identity}, and the two "
            f"must not pool. It stays readable with `archsearch report --study {options.study_name}`; "
            f"drop --study (this design's own study is "
            f"{ablation_study_name(space, plan.factor, plan.identity)!r}) or name a new one."
        )
    # What it trained on and for how long, so a report can say (e.g. a stand-in dataset, fewer epochs than the lab).
    design = {
        **plan.design(),
        "dataset": space.dataset,
        "epochs": options.epochs or space.epochs,
        "batch_size": space.batch_size,
    }
    study.set_user_attr(StudyAttr.DESIGN, json.loads(json.dumps(design, default=str)))


def set_study_attr(options: RunOptions, key: str, value: Any) -> None:
    study = _open_or_create(options.study_name, options.storage, None)
    study.set_user_attr(key, json.loads(json.dumps(value, default=str)))


def _open_or_create(name: str | None, storage_url: str | None, direction: str | None) -> Any:
    import optuna

    from archsearch.stores import one_at_a_time, open_storage, resolve_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # The same storage as run_search's (WAL, lock timeout, template), so the first writer sets it up the same way.
    url = resolve_storage(storage_url)
    storage = open_storage(url)
    if direction is None:
        return optuna.load_study(study_name=name, storage=storage)
    with one_at_a_time(url, f"study:{name}"):  # `ask` processes that start together on one design
        return optuna.create_study(
            study_name=name,
            storage=storage,
            direction=optuna.study.StudyDirection[direction.upper()],
            load_if_exists=True,
        )
