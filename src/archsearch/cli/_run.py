"""``archsearch run SPACE``."""

from __future__ import annotations

import click

from archsearch.cli._options import storage_option, study_option, tracking_uri_option


@click.command()
@click.argument("space", type=click.Path(dir_okay=False, path_type=str))
@click.option("--trials", "-n", type=int, metavar="N",
              help="Finished trials the study should have (default: the space's TRIALS). "
                   "Running the same command again resumes the study up to N.")
@click.option("--timeout", type=float, metavar="SECONDS", help="Start no new trial after this many seconds.")
@click.option("--epochs", type=int, metavar="E", help="Override the space's EPOCHS.")
@click.option("--seed", type=int, default=0, show_default=True, metavar="S",
              help="Seeds the sampler, the data split and each trial (trial seed = S + trial number).")
@click.option("--dataset", metavar="NAME", help="Run on another dataset than the space declares "
              "(a registered name, folder:PATH or npz:PATH).")
@study_option
@storage_option
@tracking_uri_option
@click.option("--max-failures", type=int, default=5, show_default=True, metavar="N",
              help="Stop after N consecutive failed trials.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines; print only the summary.")
def run(space: str, trials: int | None, timeout: float | None, epochs: int | None, seed: int,
        dataset: str | None, study_name: str | None, storage: str | None, tracking_uri: str | None,
        max_failures: int, quiet: bool) -> None:
    """Search the space declared in SPACE (a .py space file).

    Each trial builds the model with hyperparameters picked by Optuna, trains
    it, and is recorded in the Optuna study and as an MLflow child run under
    one parent run per invocation. Progress goes to stderr, the summary to
    stdout.

    \b
    Examples:
      archsearch run spaces/digits_quick.py
      archsearch run spaces/digits_quick.py --trials 30 --epochs 5
    """
    from archsearch.study import Interrupted, RunOptions, run_search

    options = RunOptions(trials=trials, timeout=timeout, epochs=epochs, seed=seed, study_name=study_name,
                         storage=storage, tracking_uri=tracking_uri, dataset=dataset, quiet=quiet,
                         max_failures=max_failures)
    try:
        result = run_search(space, options)
    except Interrupted as err:
        raise SystemExit(err.exit_code) from None
    click.echo(result.summary())
    _print_verdicts(result, space)


def _print_verdicts(result: object, space: str) -> None:
    """The questions' verdicts in a few lines; a failing report never fails a finished run."""
    from archsearch.report import verdict_lines

    try:
        lines = verdict_lines(result.study_name, result.storage, space)
    except Exception as err:  # the search itself succeeded; say why there are no verdicts
        click.echo(f"warning: no verdicts ({type(err).__name__}: {err}); try `archsearch report {space}`.", err=True)
        return
    for line in lines:
        click.echo(line)
