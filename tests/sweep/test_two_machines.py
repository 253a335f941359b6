"""Two machines, one plan on PostgreSQL: each its own lock, one reporter (an advisory lock), the other says so."""

from __future__ import annotations

import os
import secrets

import pytest

from archsearch.sweep import ReporterLock, SweepLock, run_night
from tests.sweep.night import options, plan_of

PG_URL = os.environ.get("ARCHSEARCH_TEST_PG_URL")


@pytest.mark.skipif(not PG_URL, reason="ARCHSEARCH_TEST_PG_URL is not set (.ci/run starts PostgreSQL and sets it)")
def test_two_sweeps_of_one_plan_on_postgresql_have_one_reporter(tmp_path):
    plan_name = f"nightly_{secrets.token_hex(4)}"
    plan = plan_of(tmp_path, "ok", "ok")
    plan = type(plan)(plan.path, (plan.steps[0], type(plan.steps[1])(2, "report", "ok", (), 0.0)))
    with (
        SweepLock(tmp_path / "a", plan_name, host="a"),
        ReporterLock(PG_URL, plan_name) as first,
        SweepLock(tmp_path / "b", plan_name, host="b"),
        ReporterLock(PG_URL, plan_name) as second,
    ):
        assert (first.reporter, second.reporter) == (True, False)
        other = run_night(plan, options(tmp_path, reporter=second.reporter))
    assert other.reporter is False
    assert [s.status for s in other.steps] == ["done", "skipped"]  # it runs the steps, not the reports
    assert other.steps[1].reason == "another machine holds the reporter lock and writes the reports"
    with ReporterLock(PG_URL, plan_name) as later:  # the reporter's session ended: its lock is free again
        assert later.reporter


def test_sqlite_storage_is_one_machines_and_always_reports(tmp_path):
    with ReporterLock(f"sqlite:///{tmp_path}/optuna.db", "nightly") as lock:
        assert lock.reporter
