"""`archsearch sweep`: dry run, a real two-step sweep that goes on after a failing step, bad plans exit 2."""

from __future__ import annotations

import json

import mlflow
import optuna
import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from tests.conftest import TINY_SPACE


def test_dry_run_prints_the_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("")
    plan = tmp_path / "p.toml"
    plan.write_text('[defaults]\nseed = 1\n[[step]]\nrun = "a.py"\n[[step]]\nreport = "a"\nformat = "json"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == ["archsearch run a.py --seed 1", "archsearch report a --format json"]
    assert result.stdout.splitlines()[2].startswith("No deadline")


def test_dry_run_says_how_the_night_is_split(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(TINY_SPACE)
    plan = tmp_path / "p.toml"
    plan.write_text(
        'reserve = "30m"\n[[step]]\nrun = "a.py"\nshare = 2\n[[step]]\nask = "a.py"\nfactor = "units"\n'
        'priority = 1\n[[step]]\nreport = "a.py"\n'
    )
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--dry-run", "--for", "6h30m"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("archsearch ask a.py")  # priority 1 first
    assert (
        "(6h29m from now), the last 0h30m kept for the reports" in lines[3]
        or "(6h30m from now), the last 0h30m kept for the reports" in lines[3]
    )
    assert lines[4].startswith("  step 2: up to 2h00m (share 1 of 3")
    assert lines[5].startswith("  step 1: up to 4h00m (share 2 of 3")
    assert lines[6].startswith("  step 3: report, share 0: runs in its turn")


def test_dry_run_fails_on_a_misspelled_space_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "p.toml"
    plan.write_text('[[step]]\nrun = "spaces/digits_quik.py"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {plan}: step 1: no space file spaces/digits_quik.py (from {tmp_path}); fix the path in the plan."
    )


def test_a_database_server_that_does_not_answer_and_a_date_that_is_none_are_refused_before_the_night(
    tmp_path, monkeypatch
):
    import socket

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(TINY_SPACE)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once it is closed
    plan = tmp_path / "p.toml"
    plan.write_text(f'[[step]]\nrun = "s.py"\nstorage = "postgresql://u:s3cret@127.0.0.1:{port}/db"\n')
    for extra in (["--dry-run"], []):
        result = CliRunner().invoke(cli, ["sweep", str(plan), *extra])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
        assert result.stderr.startswith(f"error: {plan}: step 1: --storage 'postgresql://u:***@127.0.0.1:{port}/db'")
        assert "no database server answers there" in result.stderr and "s3cret" not in result.stderr
    assert not (tmp_path / "mlruns").exists()  # no lock, no state: nothing of the night was written
    plan.write_text('[[step]]\nrun = "s.py"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--night", "2026-13-45", "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr == "error: --night '2026-13-45': write a date as YYYY-MM-DD, e.g. 2026-12-07.\n"


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
    write_space("this is not python\n", "broken.py")
    plan = tmp_path / "p.toml"
    plan.write_text(
        "[defaults]\nquiet = true\n"
        '[[step]]\nrun = "broken.py"\n'
        '[[step]]\nrun = "tiny.py"\ntrials = 1\n'
        '[[step]]\nreport = "tiny.py"\nformat = "json"\nout = "reports"\n'
    )
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--night", "2026-12-07"])
    assert result.exit_code == 1, result.output
    summary = tmp_path / "mlruns" / "sweeps" / "p" / "2026-12-07" / "summary.md"
    assert result.stdout.splitlines()[-1] == str(summary.relative_to(tmp_path))
    data = json.loads(summary.with_suffix(".json").read_text())
    assert [s["status"] for s in data["steps"]] == ["failed", "done", "done"]
    assert data["steps"][0]["reason"].startswith("error: broken.py")
    assert data["why"] == "done" and data["left_running"] == []
    assert (data["steps"][1]["trials_tonight"], data["steps"][1]["trials_total"]) == (1, 1)
    study = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/mlruns/optuna.db")
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE"]
    assert list((tmp_path / "reports").glob("*.json"))
    runs = mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlruns/mlflow.db").search_runs(
        [mlflow.MlflowClient(f"sqlite:///{tmp_path}/mlruns/mlflow.db").get_experiment_by_name("sweep-p").experiment_id]
    )
    assert [r.info.status for r in runs] == ["FINISHED"]  # the night's run, with the summary as its artifact
    # Its artifacts sit with the other experiments' (artifacts/<experiment>), not among the nights' folders.
    artifacts = tmp_path / "mlruns" / "artifacts" / "sweep-p" / runs[0].info.run_id / "artifacts"
    assert (artifacts / "summary.md").is_file()
    assert sorted(p.name for p in (tmp_path / "mlruns" / "sweeps").iterdir()) == ["p"]


def test_a_notify_url_apprise_does_not_know_names_the_plan_and_where_it_came_from(tmp_path, monkeypatch):
    pytest.importorskip("apprise")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(TINY_SPACE)
    plan = tmp_path / "p.toml"
    plan.write_text('notify = ["notaurl"]\n[[step]]\nrun = "s.py"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {plan}: notify URL 'notaurl' (from the plan's notify) is not one Apprise knows; fix it "
        "(see https://github.com/caronc/apprise/wiki).\n"
    )


def test_a_dataset_no_step_can_load_is_refused_by_the_dry_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(TINY_SPACE)
    plan = tmp_path / "p.toml"
    plan.write_text('[[step]]\nrun = "s.py"\ndataset = "nosuchdata"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--dry-run"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {plan}: step 1: --dataset 'nosuchdata': unknown dataset 'nosuchdata'")


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            'factor = "unit"',
            "s.py: --factor 'unit' is not a hyperparameter of the space (declared: units).",
        ),
        (
            'factor = "units"\nlevels = "8,32"',
            "--levels '8,32': '32' is not a value of units (one of 8, 16, default 8).",
        ),
        ('factor = "units"\nbase = "reference:L0-dense"', "s.py: no reference 'L0-dense'"),
    ],
)
def test_an_ask_the_space_does_not_declare_is_refused_before_the_night(tmp_path, monkeypatch, step, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(TINY_SPACE)
    plan = tmp_path / "p.toml"
    plan.write_text(f'[[step]]\nrun = "s.py"\n[[step]]\nask = "s.py"\n{step}\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--dry-run"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert result.stderr.startswith(f"error: {plan}: step 2: ")
    assert message in result.stderr
    assert not result.stdout  # nothing printed as if the plan were fine


def test_at_night_a_notify_url_that_cannot_be_used_is_a_warning_and_the_night_runs(tmp_path, monkeypatch):
    # It refused the whole night (exit 2), so a schedule whose environment names a URL lost every night.
    import archsearch.sweep

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(TINY_SPACE)
    plan = tmp_path / "p.toml"
    plan.write_text('notify = ["notaurl"]\n[[step]]\nrun = "s.py"\n')
    ran: list[tuple[str, ...]] = []
    monkeypatch.setattr(archsearch.sweep, "sweep_night", lambda loaded, **kw: ran.append(tuple(kw["urls"])) or 0)
    result = CliRunner().invoke(cli, ["sweep", str(plan)])
    assert result.exit_code == 0, result.output
    assert ran == [()]  # the night ran, without notifying
    assert result.stderr.startswith(f"warning: {plan}: notify URL 'notaurl' (from the plan's notify) is not one")
    assert result.stderr.rstrip().endswith("The night runs without notifying.")


def test_a_night_of_no_length_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(TINY_SPACE)
    plan = tmp_path / "p.toml"
    plan.write_text('[[step]]\nrun = "s.py"\n')
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--for", "0", "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr == "error: --for '0': a night must last some time; write e.g. 6h, 90m or 1h30m.\n"


def test_the_steps_are_told_the_sweep_that_runs_them_again(tmp_path, monkeypatch):
    # A step stopped inside a sweep said "Resume with: archsearch run ...": the sweep's own record of the night
    # never saw that run. The steps now get the sweep's command (their resume line names it first).
    import archsearch.sweep

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.py").write_text(TINY_SPACE)
    plan = tmp_path / "p.toml"
    plan.write_text('[[step]]\nrun = "s.py"\n')
    envs: list[dict[str, str]] = []
    monkeypatch.setattr(archsearch.sweep, "sweep_night", lambda loaded, **kw: envs.append(kw["env"]) or 0)
    result = CliRunner().invoke(cli, ["sweep", str(plan), "--for", "2h", "--night", "2026-12-07"])
    assert result.exit_code == 0, result.output
    assert envs[0]["ARCHSEARCH_SWEEP"] == f"archsearch sweep {plan} --for 2h --night 2026-12-07"
    assert envs[0]["PATH"]  # the rest of the environment too
