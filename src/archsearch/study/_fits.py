"""A trial's fits: one per seed, or fused in packs of seeds (a trial's repeats, an ablation's design points)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from archsearch.schema import Attr, Tag
from archsearch.study._packs import design_siblings, no_fuse_reason
from archsearch.study._signals import interruptible

if TYPE_CHECKING:
    import optuna

    from archsearch.study._objective import Objective

__all__ = ["seed_fits"]


def seed_fits(
    objective: Objective,
    trial: optuna.Trial,
    hp: Any,
    seeds: list[int],
    tags: dict[str, str],
    build: Callable[[Any], Any] | None,
    callbacks: Sequence[Any],
    epochs: int,
    initial_epoch: int,
) -> Iterator[Any]:
    """Each seed's fit (a ``train.ReplicaOutcome``), fused in packs where it can be (see ``train/_fused.py``).

    With repeats the packs are this trial's seeds; pruning decides per pack (the
    pruner sees the first seed, as with separate fits, and stops its whole pack).
    Without, a design point (an ablation's (level, seed)) is packed with the
    waiting design points of the same configuration: their outcomes wait here
    until Optuna hands out their trials (in another process they train again).
    """
    from archsearch import train

    engine_builds = build is not None or bool(callbacks) or initial_epoch > 0
    why = no_fuse_reason(objective.fuse, objective.space.custom_fit, engine_builds)
    design = objective.repeats == 1 and trial.user_attrs.get(Attr.DESIGN_POINT) is True
    if design and why is None and objective.prune:
        why = "the pruner stops each trial on its own curve"
    todo = list(seeds)
    key = None
    if design and why is None:
        key, siblings = design_siblings(trial, seeds[0], objective._ahead)
        ahead = objective._ahead.pop((key, seeds[0]), None) if key is not None else None
        if ahead is not None:  # trained with an earlier trial's pack; built again (not fit) so that
            with interruptible():  # the trial and hp record this configuration's parameters
                train.clear_session()
                train.set_seed(seeds[0])
                train.build_model(objective.space, hp, objective.dataset)
            tags[Tag.FUSED] = str(ahead[1])
            objective.packed_in = ahead[2]
            yield ahead[0]
            return
        todo += siblings
    while len(todo) > 1 and why is None and (key is None or todo[0] == seeds[0]):
        try:
            with interruptible():  # a signal or a requested stop ends the fit at once (study._signals)
                train.clear_session()
                pack = train.fit_fused(
                    lambda: train.build_model(objective.space, hp, objective.dataset),
                    objective.dataset,
                    todo,
                    epochs=epochs,
                    batch_size=objective.batch_size,
                    hp=hp,
                    trial=trial if objective.prune and todo[0] == seeds[0] else None,
                    monitor=objective.space.objective,
                    stop_on_divergence=key is None,
                    fuse_max=objective.fuse_max,
                    say=objective._say_once,
                )
        except train.FuseRefused as err:
            why = str(err)
            break
        tags[Tag.FUSED] = "+".join(filter(None, [tags.get(Tag.FUSED, ""), str(len(pack))]))
        todo = todo[len(pack) :]
        if key is not None:  # the siblings' outcomes wait for their trials
            objective._ahead.update({(key, fit.seed): (fit, len(pack), trial.number) for fit in pack[1:]})
            yield pack[0]
            return
        yield from pack
    if why is not None and why != "--no-fuse" and (len(seeds) > 1 or design):
        objective._say_once(f"training seeds separately, not fused: {why}")
    for run_seed in todo if key is None else seeds[:1]:
        with interruptible():  # a signal or a requested stop ends the fit at once (study._signals)
            train.clear_session()
            train.set_seed(run_seed)
            model = build(hp) if build else train.build_model(objective.space, hp, objective.dataset)
            monitor = train.TrialMonitor(
                trial if objective.prune and run_seed == seeds[0] else None, objective.space.objective
            )
            fit_callbacks = [monitor, *callbacks, *getattr(hp, "fit_callbacks", ())]  # the builder's own
            fit: dict[str, Any] = {
                "epochs": epochs,
                "batch_size": objective.batch_size,
                "callbacks": fit_callbacks,
                "initial_epoch": initial_epoch,
            }
            if objective.space.custom_fit:  # the space's HyperModel.fit trains, as keras-tuner would call it
                result = train.fit_hypermodel(objective.space, hp, model, objective.dataset, **fit)
            else:
                result = train.fit_model(model, objective.dataset, seed=run_seed, **fit)
        del model
        yield train.ReplicaOutcome(run_seed, result, monitor.diverged_epoch, monitor.bad_value, monitor.pruned_epoch)
