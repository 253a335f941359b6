"""``archsearch ask SPACE --factor NAME``: a controlled, paired ablation of one hyperparameter."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import click

from archsearch.cli._deadline import (
    deadline_option,
    go_on_words,
    sweep_result_option,
    write_sweep_result,
)
from archsearch.cli._options import (
    fuse_max_option,
    fuse_option,
    number_option,
    storage_option,
    tracking_uri_option,
)


@click.command()
@click.argument("space", type=click.Path(dir_okay=False, path_type=str))
@click.option("--factor", required=True, metavar="NAME", help="The hyperparameter to vary, e.g. layers.")
@click.option("--levels", metavar="A,B,...", help="Its levels, comma-separated (default: its whole grid).")
@click.option(
    "--repeats",
    "-k",
    type=int,
    default=3,
    show_default=True,
    metavar="K",
    help="Seeds per level; every level runs with the same K seeds (paired). With --until-decided: "
    "seeds added per round (one look per round).",
)
@click.option(
    "--base",
    default="default",
    show_default=True,
    metavar="best|default|reference:NAME|PARAMS.json",
    help="Where every other hyperparameter is held: its default, the best trial of the space's "
    "search study, one of the space's REFERENCES (a lab's own model, trained with its epochs "
    "and batch size), or values from a JSON file.",
)
@click.option(
    "--add-base",
    metavar="best|reference:NAME|PARAMS.json",
    help="Ask the same levels on this base too, in the study of --base (an ask of --base ran there already): "
    "the next K seeds, never shared between bases, so the verdicts pool the paired differences of every "
    "base asked (one round: with --until-decided the study is then analysed as a fixed design). "
    "`archsearch sweep` adds the search's new best this way.",
)
@click.option(
    "--match-size",
    is_flag=False,
    flag_value="auto",
    default=None,
    metavar="[PARAM]",
    help="Hold model size: at every level, set PARAM (default: the factor's partner, e.g. filters "
    "for blocks) so the parameter count is within 5% of the baseline level's.",
)
@click.option(
    "--until-decided",
    is_flag=True,
    help="A sequential design: add K seeds per round and look after each, stopping when every "
    "comparison is decided (helps, hurts, or with --min-effect X 'no effect of X or more'), when "
    "the models did not learn, or at --max-seeds; the output says which. O'Brien-Fleming alpha "
    "spending keeps false "
    "decisions under no effect <= 5% over all looks; intervals are repeated-confidence "
    "intervals at the final look.",
)
@click.option(
    "--max-seeds",
    type=int,
    default=10,
    show_default=True,
    metavar="N",
    help="With --until-decided: stop after N seeds per level.",
)
@click.option(
    "--min-effect",
    type=float,
    default=None,
    metavar="X",
    help="The smallest effect worth detecting, in objective units (default 0.01: one point of "
    "accuracy on a [0, 1] metric); the answer says how many seeds give 80% power for it.",
)
@click.option("--epochs", type=int, metavar="E", help="Override the space's EPOCHS (and a reference base's).")
@click.option(
    "--dataset",
    metavar="NAME",
    help="Ask on another dataset than the space declares (a registered name, folder:PATH or npz:PATH).",
)
@number_option(
    "--seed",
    kind=int,
    default=0,
    metavar="S",
    help="Seeds the run order and the data split; trial seeds are 1000 + S + i.",
)
@fuse_option
@fuse_max_option
@click.option(
    "--study",
    "study_name",
    metavar="NAME",
    help="Optuna study name. Default: SPACE-ablation-FACTOR-HASH, this design's own. A study of another design, "
    "or a search's study (`archsearch run`), is refused.",
)
@storage_option
@tracking_uri_option
@deadline_option
@sweep_result_option
@click.option("--quiet", "-q", is_flag=True, help="No progress or look lines; print only the verdicts.")
def ask(
    space: str,
    factor: str,
    levels: str | None,
    repeats: int,
    base: str,
    add_base: str | None,
    match_size: str | None,
    until_decided: bool,
    max_seeds: int,
    min_effect: float | None,
    epochs: int | None,
    dataset: str | None,
    seed: int,
    fuse: bool,
    fuse_max: int | None,
    study_name: str | None,
    storage: str | None,
    tracking_uri: str | None,
    deadline: str | None,
    sweep_result: str | None,
    quiet: bool,
) -> None:
    """Answer one question with a controlled ablation of FACTOR.

    Every other hyperparameter is held at a base configuration; each level of
    the factor runs with the same K seeds, in randomized order, in its own
    study, SPACE-ablation-FACTOR-HASH, where HASH identifies the design (base,
    levels, matched sizes, dataset, epochs, seed) so that different bases never
    pool; a rerun resumes it. Only the design's own trials are analysed. The
    verdicts are confirmatory: paired differences (same seed, different level),
    on the test split over seeds and test examples together (crossed random
    effects, 95% intervals), Holm-adjusted over the levels, each with the seeds
    an effect of --min-effect needs at 80% power. With --until-decided the
    verdicts printed here are the sequential ones (one look per round, status
    per look on stderr). The answer is recorded in MLflow (`archsearch ui`):
    verdict tags, report files and description on the parent run.
    `archsearch report` on that study prints the full report.

    \b
    Examples:
      archsearch ask spaces/digits_quick.py --factor layers --repeats 3
      archsearch ask spaces/digits_quick.py --factor activation --base best --until-decided --min-effect 0.02
      archsearch ask spaces/cifar_alexnet.py --factor blocks --levels 3,5 --base reference:L4-base --match-size
    """
    from archsearch.ablation import format_look, run_ablation
    from archsearch.stores import check_stores, resolve_storage, storage_errors
    from archsearch.study import (
        Interrupted,
        RunOptions,
        Stopped,
        before_each_trial,
        check_stop,
        stop_on_signals,
    )

    if add_base and match_size:
        raise click.UsageError("--add-base cannot be used with --match-size: matched sizes depend on the base.")
    options = RunOptions(
        epochs=epochs,
        seed=seed,
        study_name=study_name,
        storage=storage,
        tracking_uri=tracking_uri,
        quiet=quiet,
        dataset=dataset,
        fuse=fuse,
        fuse_max=fuse_max,
    )
    options.validate()  # bad flags and stores: one line now, before a study is created or the data loads
    check_stores(storage, tracking_uri)

    def on_look(look: dict[str, Any]) -> None:
        if not quiet:
            click.echo(format_look(look), err=True)

    guard = None
    if deadline:  # observed durations: this factor's ablation studies of the space
        from archsearch.cli._deadline import DeadlineGuard

        guard = DeadlineGuard(
            deadline, storage, study_name or f"{Path(space).stem}-ablation-{factor}", prefix=study_name is None
        )
        why = guard.nothing_fits()
        if why:
            click.echo(why, err=True)
            return
        options = dataclasses.replace(options, timeout=guard.timeout(None))
    try:
        # Signals also between rounds; a store that fails is one line; the deadline before every round's trials.
        failing_store = storage_errors(resolve_storage(storage), "--storage")
        each_trial = before_each_trial(guard.before_trial) if guard else contextlib.nullcontext()
        with stop_on_signals(), guard or contextlib.nullcontext(), each_trial, failing_store:
            design: dict[str, Any] = {"levels": levels, "repeats": repeats, "base": base, "min_effect": min_effect}
            if add_base:
                from archsearch.ablation import add_base as ask_on_another_base

                result = ask_on_another_base(space, factor, options, add=add_base, **design)
            else:
                sequential: dict[str, Any] = {
                    "until_decided": until_decided,
                    "max_seeds": max_seeds,
                    "match_size": match_size,
                }
                result = run_ablation(space, factor, options, on_look=on_look, **sequential, **design)
            check_stop()
    except Interrupted as err:  # its "Resume with" is the search's command: an ask resumes with its own
        click.echo(err.summary.split(" Resume with: ")[0] + " " + go_on_words(None))
        raise SystemExit(err.exit_code) from None
    except Stopped as err:  # after the last trial, during the analysis
        click.echo(
            f"Ablation of {factor}: stopped ({err.reason}) after its trials, before its verdicts. {go_on_words(None)}"
        )
        raise SystemExit(err.exit_code) from None
    write_sweep_result(sweep_result, study=result.study_name, storage=storage, target=len(result.plan.pairs))
    click.echo(f"Ablation of {factor} in study '{result.study_name}': {result.message}")
    _echo_matched(result.plan)
    for line in answer_lines(result.data, space, result.study_name, storage, tracking_uri):
        click.echo(line)
    from archsearch.cli._run import record
    from archsearch.report import record_study

    record(
        lambda: record_study(
            space,
            study_name=result.study_name,
            storage=storage,
            tracking_uri=tracking_uri,
            run_id=result.search.parent_run_id,
        ),
        space,
    )


def answer_lines(
    data: dict[str, Any], space: str, study: str, storage: str | None = None, tracking_uri: str | None = None
) -> list[str]:
    """The ablation's verdicts in plain words (split and seeds on each line); the method is in the report."""
    from archsearch.report import format_effect, report_command, time_lines

    lines = [f"Verdicts ({data['objective']}; confirmatory (ask)):"]
    for q in data["questions"]:
        if not q["effects"]:
            lines.append(f"  {q['param']}: {q.get('note') or 'only one level tried'}")
        for e in q["effects"]:
            # A power note ("more seeds cannot settle it") is advice for an open comparison, and verdict_text
            # gives it there; after a decision it would read as a doubt about it.
            lines.append(f"  {q['param']}: {e['level']} vs {e['reference']}: {format_effect(e, data['objective'])}")
        lines += [f"  {line}" for line in time_lines(q)[1:]]  # fit time per epoch, as ratios with intervals
    lines.append(f"Full report: {report_command(space, study, storage, tracking_uri)}")
    return lines


def _echo_matched(plan: object) -> None:
    """With --match-size: the adjusted value and parameter count of every level."""
    matched = getattr(plan, "matched", None)
    if not matched:
        return
    rows = ", ".join(
        f"{lv}: {matched['adjusted']}={row['value']} ({row['params']:,})" for lv, row in matched["levels"].items()
    )
    click.echo(f"Sizes matched within 5% by {matched['adjusted']}: {rows}")
