"""CI smoke: search/labs_offline.toml at its [smoke] size, then `archsearch report --labs` over the result.

Every step of the plan runs (each ask from its lab reference on 300-image samples
of the offline data, 1 epoch, 2 seeds, one look; the search 2 trials), in this process so that
TensorFlow is imported once (`archsearch sweep` itself, a process per step, is
tested in test_sweep.py). About 2 minutes on 2 CPU cores.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from archsearch.cli import cli, load_plan
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_the_offline_lab_plan_runs_at_smoke_size_and_the_labs_document_reads_it(tmp_path, monkeypatch):
    for folder in ("spaces", "search"):
        (tmp_path / folder).symlink_to(REPO / folder)
    monkeypatch.chdir(tmp_path)  # the plan's report files go under tmp_path/mlruns, never the repository's
    plan = load_plan("search/labs_offline.toml", smoke=True)
    asks = [s for s in plan.steps if s.command == "ask"]
    runs = [s for s in plan.steps if s.command == "run"]
    assert asks and all("--epochs 1" in s.describe() and "--dataset subset:300:" in s.describe() for s in asks)
    assert all("--until-decided" in s.describe() and "--max-seeds 2" in s.describe() for s in asks)
    assert runs and all("--trials 2" in s.describe() for s in runs)
    runner = CliRunner()
    for step in plan.steps:
        result = runner.invoke(cli, step.argv(), catch_exceptions=False)
        assert result.exit_code == 0, f"{step.describe()}\n{result.output}"

    result = runner.invoke(cli, ["report", "--labs", "search/labs_offline.toml"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = result.output
    # The plan without --smoke asks 3 seeds per level (2 where it records a net that does not learn) and 6 trials
    # of the search: the smoke run's are marked partial, never finished.
    assert "**PARTIAL:**" in doc
    rows = [line for line in doc.splitlines() if line.startswith("| L")]
    labs = {r.split("|")[1].strip() for r in rows}
    assert labs >= {"L0", "L1", "L2-T2/L3-T4", "L2-T1", "L2-T3", "L2-T4", "L3-T2", "L3-T3", "L4", "L4 v2"}
    assert "L3-T1" not in labs  # the conv-vs-pool question is T2 (its base is T1's net)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        data = cells[8]
        assert ("STAND-IN" in data) == ("standin" in data), data  # a stand-in is always labelled as one
        if " trial" not in cells[7] and cells[7] != "-":  # an ask (a search's row counts trials per level)
            # at most the smoke's 2 seeds per level (1 where the lab's SGD 0.1 diverged on 300 images)
            assert cells[7].split(" /")[0] in ("1", "2"), cells
    assert "**STAND-IN** `subset:300:cifar10_standin` (not cifar10)" in doc
    assert "softmax activation" in doc  # the L2-deep pitfall asked in the plan is named
    assert "archsearch's, not the lab's: fit loop:" in doc  # where the training is not the lab's, the page says why
