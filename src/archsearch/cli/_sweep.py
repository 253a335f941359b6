"""``archsearch sweep PLAN``: run a sweep plan (search/*.toml), e.g. from cron every night."""

from __future__ import annotations

import click


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=str))
@click.option("--dry-run", is_flag=True, help="Check the plan and print its commands; run nothing.")
@click.option("--stop-on-failure", is_flag=True, help="Stop at the first failing step (default: go on).")
@click.option("--smoke", is_flag=True, help="Apply the plan's [smoke] options to every step (e.g. epochs = 1): "
              "a quick check that the whole plan runs.")
def sweep(plan: str, dry_run: bool, stop_on_failure: bool, smoke: bool) -> None:
    """Run the steps of PLAN, a TOML sweep plan, one after the other.

    Each step is an `archsearch run`, `ask` or `report` command with its
    options; [defaults] gives options to every step whose command has them,
    and with --smoke the plan's [smoke] options override every step's.
    The whole plan is checked first (a bad option stops it before anything
    runs). Each step runs in its own process; a failing step is reported and
    the next one starts. Running the plan again resumes every study, so a
    sweep cut short by a crash or a reboot continues where it stopped.
    Exit code: 0 when every step succeeded, 1 otherwise, 130/143 when
    interrupted.

    \b
    Plan (search/nightly.toml):
      [defaults]
      seed = 0
      [[step]]
      run = "spaces/digits_quick.py"
      trials = 20
      pruner = "median"
      [[step]]
      ask = "spaces/digits_quick.py"
      factor = "layers"

    \b
    Every night at 01:00 (crontab -e):
      0 1 * * * cd /path/to/project && .venv/bin/archsearch sweep search/nightly.toml >> mlruns/nightly.log 2>&1
    """
    from archsearch.cli._sweep_plan import load_plan
    from archsearch.cli._sweep_run import run_plan

    loaded = load_plan(plan, smoke=smoke)
    if dry_run:
        for step in loaded.steps:
            click.echo(step.describe())
        return
    result = run_plan(loaded, stop_on_failure=stop_on_failure, say=lambda line: click.echo(line, err=True))
    click.echo(f"Sweep {plan}:")
    for outcome in result.outcomes:
        click.echo(f"  {outcome.step.number}. {outcome.status:<20} {outcome.seconds:7.0f}s  {outcome.step.describe()}")
    if result.exit_code:
        raise SystemExit(result.exit_code)
