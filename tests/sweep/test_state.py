"""State and resume: the same night skips finished steps, the next night starts fresh; the file is atomic."""

from __future__ import annotations

import datetime as dt
import json

from archsearch.sweep import load_night, previous_night, run_night
from tests.sweep.night import START, FastClock, options, plan_of


def test_the_same_night_again_skips_finished_steps_and_reruns_the_rest(tmp_path):
    plan = plan_of(tmp_path, "ok", "fail", "ok")
    since = []  # what the study is read from (tonight's trials and failures): the step's first start tonight
    first = run_night(plan, options(tmp_path, collect=lambda st, step, started: since.append((step.number, started))))
    seconds = first.steps[1].seconds
    assert [s.status for s in first.steps] == ["done", "failed", "done"]
    assert first.steps[1].reason == "error: spaces/x.py: the builder raised ValueError"  # its own error line
    assert first.why == "done" and first.runs == 1
    for n in (1, 2, 3):
        (tmp_path / f"step{n}.pid").unlink()
    later = FastClock(START + dt.timedelta(hours=1))  # the re-run an hour later the same night
    again = run_night(
        plan, options(tmp_path, clock=later, collect=lambda st, step, started: since.append((step.number, started)))
    )
    assert [n for n, _ in since] == [1, 2, 3, 2]
    assert since[3][1] == since[1][1] == dt.datetime.fromisoformat(again.steps[1].started)  # not the re-run's start
    assert again.steps[1].seconds > seconds  # both attempts' time
    assert not (tmp_path / "step1.pid").exists() and not (tmp_path / "step3.pid").exists()  # skipped
    assert (tmp_path / "step2.pid").exists()  # the failed one ran again
    assert again.runs == 2 and again.started == first.started
    assert [s.status for s in load_night(tmp_path / "night").steps] == ["done", "failed", "done"]


def test_the_next_night_starts_fresh_and_sees_the_night_before(tmp_path):
    plan = plan_of(tmp_path, "ok")
    run_night(plan, options(tmp_path))
    opts = options(tmp_path)
    opts.night, opts.folder = "2026-12-08", tmp_path / "2026-12-08"
    (tmp_path / "step1.pid").unlink()
    nxt = run_night(plan, opts)
    assert nxt.runs == 1 and (tmp_path / "step1.pid").exists()
    (tmp_path / "fake").mkdir()
    (tmp_path / "night").rename(tmp_path / "fake" / "2026-12-07")
    (tmp_path / "2026-12-08").rename(tmp_path / "fake" / "2026-12-08")
    assert previous_night(tmp_path, "fake", "2026-12-08").night == "2026-12-07"
    assert previous_night(tmp_path, "fake", "2026-12-07") is None


def test_the_state_file_is_replaced_whole(tmp_path):
    state = run_night(plan_of(tmp_path, "ok"), options(tmp_path))
    folder = tmp_path / "night"
    assert json.loads((folder / "state.json").read_text())["steps"][0]["status"] == "done"
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []  # no temporary file left
    assert state.steps[0].seconds > 0 and state.steps[0].started and state.steps[0].ended


def test_the_summary_is_written_before_the_first_step_runs(tmp_path):
    seen = []
    plan = plan_of(tmp_path, "ok")
    run_night(plan, options(tmp_path, after_step=lambda state: seen.append(state.steps[0].status)))
    assert seen[0] == "pending" and seen[-1] == "done"  # a sweep killed in its first step has its summary


def test_a_step_edited_since_runs_again_and_reports_done_before_are_written_again(tmp_path):
    import dataclasses

    from archsearch.sweep import Plan, Step

    said: list[str] = []
    steps = (Step(1, "run", "ok", ("--trials", "3"), 1.0), Step(2, "report", "ok", (), 0.0))
    run_night(Plan(tmp_path / "fake.toml", steps), options(tmp_path))
    assert [s.status for s in load_night(tmp_path / "night").steps] == ["done", "done"]
    for n in (1, 2):
        (tmp_path / f"step{n}.pid").unlink()
    # Step 1 edited (trials 3 -> 4): it used to be "done earlier tonight, skipped", by its number.
    edited = Plan(tmp_path / "fake.toml", (dataclasses.replace(steps[0], args=("--trials", "4")), steps[1]))
    later = FastClock(START + dt.timedelta(hours=1))
    again = run_night(edited, options(tmp_path, clock=later, say=said.append))
    assert (tmp_path / "step1.pid").exists() and again.steps[0].describe.endswith("--trials 4")
    assert any("the plan changed since the sweep before tonight" in line for line in said), said
    # the report, done earlier tonight, is written again: the run it reports on ran since
    assert (tmp_path / "step2.pid").exists()
    assert [s.status for s in again.steps] == ["done", "done"]
    for n in (1, 2):
        (tmp_path / f"step{n}.pid").unlink()
    third = run_night(edited, options(tmp_path, clock=FastClock(START + dt.timedelta(hours=2))))
    assert not (tmp_path / "step1.pid").exists() and not (tmp_path / "step2.pid").exists()  # nothing ran
    assert [s.status for s in third.steps] == ["done", "done"]


def test_the_step_line_says_which_file_base_best_ran_as():
    # "--base best" was shown while "--base mlruns/sweeps/<plan>/step-2-base.json" ran: copying it asked elsewhere
    from archsearch.sweep import Step
    from archsearch.sweep._night import _frozen

    step = Step(2, "ask", "s.py", ("--factor", "units", "--base", "best"), 1.0)
    ran = ["archsearch", "ask", "s.py", "--factor", "units", "--base", "f1.json", "--add-base", "f2.json"]
    assert _frozen(step, ran) == "; --base best runs as --base f1.json and --add-base f2.json"
    assert _frozen(step, ["archsearch", "ask", "s.py", "--base", "best"]) == ""  # nothing frozen yet
    assert _frozen(Step(1, "run", "s.py", (), 1.0), ["archsearch", "run", "s.py"]) == ""


def test_a_step_whose_sweep_was_killed_counts_the_time_it_was_seen_running(tmp_path):
    # After a SIGKILL of the sweep, the killed attempt's time was missing from the step's wall time and the summary.
    plan = plan_of(tmp_path, "fail", "ok")
    first = run_night(plan, options(tmp_path))
    first.steps[0].status, first.steps[0].seconds = "running", 5.0  # one attempt before, then killed in another
    first.steps[0].attempt, first.steps[0].seen = "2026-12-07T02:00:00+00:00", "2026-12-07T02:07:30+00:00"
    first.save(tmp_path / "night")
    seen: list[tuple[str, float, str | None]] = []

    def look(state):
        seen.append((state.steps[0].status, state.steps[0].seconds, state.steps[0].reason))

    (tmp_path / "step1.pid").unlink()
    again = run_night(plan, options(tmp_path, after_step=look))
    assert seen[0] == (
        "stopped",
        5.0 + 450.0,
        "the sweep was killed while it ran, 450s into it (counted to its last check, at most 0.5s before); run again",
    )
    assert again.steps[0].seconds > 455.0  # and the attempt of this sweep on top
    assert again.steps[0].attempt is None and again.steps[0].seen is None
