"""`archsearch ask`: a paired ablation from the command line, then `archsearch report` on it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archsearch.cli import cli


def _invoke(*args):
    return CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False)


@pytest.mark.slow
def test_ask_then_report(tiny_space):
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,16", "--repeats", "2", "-q")
    assert result.exit_code == 0, result.output
    assert "Ablation of units in study 'tiny-ablation-units'" in result.stdout
    assert "  units: 16 vs 8: " in result.stdout
    assert "  Fit time (seconds per epoch), 16 / 8: " in result.stdout  # time is a question too
    result = _invoke("report", tiny_space, "--study", "tiny-ablation-units", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["design"]["kind"] == "ablation" and data["questions"][0]["paired"] is True
    assert {"dataset": "digits", "epochs": 1} == {k: data["design"][k] for k in ("dataset", "epochs")}
    (t,) = data["questions"][0]["time_effects"]
    assert t["level"] == "16" and t["n"] == t["n_ref"] == 2 and t["ratio"] > 0
    assert data["lab"]["dataset"] == {"name": "digits", "description": data["lab"]["dataset"]["description"],
                                      "stand_in_for": None} and data["lab"]["references"] == []
    assert "attached to MLflow run" in result.stderr


def test_bad_levels_exit_2_with_one_line(tiny_space):
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,12")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --levels '8,12': '12' is not a value of units")
