"""`archsearch report` on a study written straight to Optuna (no training): formats, --out, errors."""

from __future__ import annotations

import json

import optuna
import pytest
from click.testing import CliRunner
from optuna.distributions import CategoricalDistribution

from archsearch.cli import cli


@pytest.fixture
def study(tmp_path):
    url = f"sqlite:///{tmp_path}/mlruns/optuna.db"  # the default storage under tests/conftest.py
    (tmp_path / "mlruns").mkdir()
    s = optuna.create_study(study_name="synthetic", storage=url, direction="maximize")
    dist = {"act": CategoricalDistribution(["relu", "tanh"])}
    for i, (act, value) in enumerate(
        [("relu", 0.80), ("relu", 0.81), ("relu", 0.82), ("tanh", 0.90), ("tanh", 0.91), ("tanh", 0.92)]
    ):
        s.add_trial(
            optuna.trial.create_trial(
                params={"act": act},
                distributions=dist,
                value=value,
                user_attrs={"seed": i, "params_count": 1000, "metrics": {"val_accuracy": value, "fit_seconds": 1.0}},
            )
        )
    return s


def _invoke(*args):
    return CliRunner().invoke(cli, ["report", *map(str, args)], catch_exceptions=False)


def test_json_format_has_the_verdict(study):
    result = _invoke("synthetic", "--format", "json", "--no-mlflow")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (q,) = data["questions"]
    assert q["param"] == "act" and q["reference"] == "relu"
    (effect,) = q["effects"]
    assert effect["verdict"] == "helps" and effect["diff"] == pytest.approx(0.10)
    assert effect["size_note"] == "same model size."  # nothing to adjust for
    assert effect["exploratory"] is True and effect["summary"].endswith("; exploratory (search)")
    assert data["multiplicity"]["method"] == "holm"
    fdr = json.loads(_invoke("synthetic", "--format", "json", "--no-mlflow", "--fdr").stdout)
    assert fdr["multiplicity"]["method"] == "fdr_bh" and fdr["schema"] == "archsearch.report/2"


def test_markdown_on_stdout_and_files_with_out(study, tmp_path):
    result = _invoke("synthetic", "--no-mlflow")
    assert result.exit_code == 0, result.output
    assert "## Question: act" in result.stdout and "helps: +10.0" not in result.stdout  # objective unnamed: raw units
    assert "helps: +0.1 [" in result.stdout
    result = _invoke("synthetic", "--out", tmp_path / "rep", "--no-mlflow")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rep" / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["study"] == "synthetic"


def test_unknown_study_exits_2_with_one_line(study):
    result = _invoke("nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no study 'nope'") and "synthetic" in result.stderr
