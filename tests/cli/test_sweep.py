"""`archsearch sweep`: dry run, a real two-step sweep that goes on after a failing step, bad plans exit 2."""

from __future__ import annotations

import optuna
import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from tests.conftest import TINY_SPACE


def test_dry_run_prints_the_commands(tmp_path):
    plan = tmp_path / "p.toml"
    plan.write_text('[defaults]\nseed = 1\n[[step]]\nrun = "a.py"\n[[step]]\nreport = "a"\nformat = "json"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["archsearch run a.py --seed 1", "archsearch report a --format json"]


def test_bad_plan_exits_2_and_runs_nothing(tmp_path):
    plan = tmp_path / "p.toml"
    plan.write_text('[[step]]\nrun = "a.py"\nepoch = 3\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {plan}: step 1: `archsearch run` has no option 'epoch'")
    assert not (tmp_path / "mlruns").exists()


@pytest.mark.slow
def test_a_failing_step_is_reported_and_the_sweep_goes_on(tmp_path, write_space, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_space(TINY_SPACE, "tiny.py")
    plan = tmp_path / "p.toml"
    plan.write_text('[defaults]\nquiet = true\n'
                    '[[step]]\nrun = "missing.py"\n'
                    '[[step]]\nrun = "tiny.py"\ntrials = 1\n'
                    '[[step]]\nreport = "tiny.py"\nformat = "json"\nout = "reports"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"Sweep {plan}:"
    assert lines[1].split()[:3] == ["1.", "failed", "(exit"]
    assert lines[2].split()[:2] == ["2.", "ok"] and lines[3].split()[:2] == ["3.", "ok"]
    study = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/mlruns/optuna.db")
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE"]
    assert list((tmp_path / "reports").glob("*.json"))
