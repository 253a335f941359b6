"""``archsearch report --table FILE.csv``: the same analysis on results from elsewhere."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from click.testing import CliRunner

from archsearch.cli import cli


def test_table_csv_gives_adjusted_verdicts_and_bad_file_exits_2(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "results.csv"
    pd.DataFrame(
        {
            "trial": range(12),
            "seed": range(12),
            "state": "COMPLETE",
            "value": np.r_[rng.normal(0.90, 0.005, 6), rng.normal(0.95, 0.005, 6)],
            "params_layers": [1] * 6 + [2] * 6,
        }
    ).to_csv(path, index=False)
    result = CliRunner().invoke(cli, ["report", "--table", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (effect,) = json.loads(result.output)["questions"][0]["effects"]
    assert effect["verdict"] == "helps" and effect["exploratory"] is True
    assert effect["p"] <= effect["p_adjusted"] and effect["ci_low"] > 0
    bad = CliRunner().invoke(cli, ["report", "--table", str(tmp_path / "nope.csv")])
    assert bad.exit_code == 2 and "no such file" in bad.output
