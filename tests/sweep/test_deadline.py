"""The night's deadline: clock times across DST, the split, no step started that would not fit, the hard stop."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from archsearch.errors import UsageError
from archsearch.sweep import (
    NightState,
    StepState,
    expected_trial_seconds,
    night_deadline,
    parse_duration,
    run_night,
    split_night,
    trial_fits,
)
from tests.sweep.night import START, FastClock, gone, options, pid_in, plan_of

BERLIN = ZoneInfo("Europe/Berlin")


def test_until_is_the_next_local_clock_time_and_for_is_elapsed_time():
    evening = dt.datetime(2026, 10, 24, 22, 30, tzinfo=BERLIN)  # the night summer time ends (25 Oct, 03:00)
    assert night_deadline(evening, until="07:00") == dt.datetime(2026, 10, 25, 7, 0, tzinfo=BERLIN)
    early = dt.datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN)
    assert night_deadline(early, until="07:00").date() == dt.date(2026, 10, 25)  # later today, not tomorrow
    six = night_deadline(evening, for_="6h")
    utc = dt.UTC
    assert six.astimezone(utc) - evening.astimezone(utc) == dt.timedelta(hours=6)  # elapsed, not wall time
    assert (six.hour, six.minute, six.utcoffset()) == (3, 30, dt.timedelta(hours=1))  # the extra hour counts
    later = night_deadline(
        dt.datetime(2026, 12, 7, 6, 59, tzinfo=utc), until="07:00", zone=BERLIN
    )  # 07:59 in Berlin: the next 07:00 there is tomorrow's
    assert later == dt.datetime(2026, 12, 8, 7, 0, tzinfo=BERLIN)
    assert night_deadline(evening) is None


@pytest.mark.parametrize("text", ["7am", "25:00", "", "6 hours"])
def test_bad_times_are_one_line_errors(text):
    with pytest.raises(UsageError, match="write"):
        night_deadline(START, until=text) if ":" in text or "am" in text else parse_duration(text)


def test_a_trial_fits_only_when_its_observed_duration_ends_before_the_deadline():
    expected = expected_trial_seconds([50, 70, 60])
    assert expected == 70
    deadline = START + dt.timedelta(seconds=100)
    assert trial_fits(START, deadline, expected)
    assert not trial_fits(START + dt.timedelta(seconds=31), deadline, expected)
    assert trial_fits(START + dt.timedelta(seconds=99), deadline, None)  # nothing observed: the deadline stops it
    assert not trial_fits(deadline, deadline, None)


def test_the_night_is_split_by_shares_after_the_reserve():
    split = split_night(6 * 3600, {1: 2, 2: 1, 3: 1, 4: 0}, reserve=1200)
    assert split.reserve == 1200 and split.budgets == {1: 10200.0, 2: 5100.0, 3: 5100.0, 4: 0.0}
    assert sum(split.budgets.values()) == 6 * 3600 - 1200


def test_no_step_starts_whose_observed_trial_would_not_fit(tmp_path):
    # Last night step 1's trials took 50 minutes; tonight it has half of (1h - 10m reserve) = 25 minutes.
    plan = plan_of(tmp_path, "ok", "ok")
    previous = NightState("fake.toml", "2026-12-06", "", steps=[StepState(1, "run", "x", trial_seconds=[3000.0])])
    state = run_night(
        plan,
        options(tmp_path, deadline=START + dt.timedelta(hours=1), reserve=600, previous=previous, clock=lambda: START),
    )
    assert state.steps[0].status == "skipped"
    assert state.steps[0].reason == "deadline: a trial takes about 3000s, its share of the time left is 1500s"
    assert not (tmp_path / "step1.pid").exists()  # never started
    assert state.steps[1].status == "done" and state.why == "deadline"


def test_nothing_starts_in_the_reports_reserve(tmp_path):
    plan = plan_of(tmp_path, "ok")

    def clock() -> dt.datetime:
        return START + dt.timedelta(minutes=55)

    state = run_night(plan, options(tmp_path, deadline=START + dt.timedelta(hours=1), reserve=600, clock=clock))
    assert state.steps[0].status == "skipped" and state.steps[0].reason.startswith("deadline: no time left")
    assert not (tmp_path / "step1.pid").exists()


@pytest.mark.parametrize("mode", ["sleep", "stubborn"])
def test_at_the_deadline_the_step_is_stopped_sigterm_then_sigkill(tmp_path, mode):
    # One real second is ten night minutes: the 1h night (50 min after the reserve) ends within seconds.
    clock = FastClock(speed=600.0)
    state = run_night(
        plan_of(tmp_path, mode, "ok"),
        options(tmp_path, deadline=START + dt.timedelta(hours=1), reserve=600, clock=clock, grace=1.0),
    )
    first = state.steps[0]
    assert first.status == "stopped" and first.reason == "deadline"
    assert gone(pid_in(tmp_path / "step1.pid"))
    if mode == "sleep":  # it closed itself on SIGTERM (as run/ask close the trial and its runs)
        assert (tmp_path / "step1.pid.closed").read_text() == "SIGTERM" and first.exit_code == 143
    else:  # it ignored SIGTERM: SIGKILL after the grace period
        assert first.exit_code == -9
    # Step 1 had its share (half of the 50 minutes); step 2 gets the rest, then the night ends by its deadline.
    assert state.steps[1].status == "done" and state.why == "deadline"


def test_a_short_night_keeps_the_reserve_the_dry_run_says(tmp_path, monkeypatch):
    # A 40 s night with the default 10-minute reserve: the dry run keeps a quarter (10 s); so does the night
    # itself, which ran nothing before ("no time left before ... (the reports' reserve)").
    import datetime as dt

    from archsearch.sweep import _tonight
    from archsearch.sweep._check import dry_run_lines
    from archsearch.sweep._tonight import sweep_night

    monkeypatch.chdir(tmp_path)
    seen = {}

    def fake_run_night(plan, options):
        seen["reserve"] = options.reserve
        raise SystemExit(0)

    monkeypatch.setattr(_tonight, "run_night", fake_run_night)
    plan = plan_of(tmp_path, "ok")
    now = dt.datetime.now(dt.UTC)
    deadline = now + dt.timedelta(seconds=40)
    with pytest.raises(SystemExit):
        sweep_night(
            plan,
            zone=dt.UTC,
            deadline=deadline,
            reserve=None,
            night="2026-12-07",
            stop_on_failure=False,
            machine=0,
            urls=[],
            root=tmp_path / "sweeps",
            python=["python"],
            storage=f"sqlite:///{tmp_path}/o.db",
            tracking_uri=f"sqlite:///{tmp_path}/m.db",
        )
    assert 9.5 <= seen["reserve"] <= 10.0
    said = next(line for line in dry_run_lines(plan, now, deadline, None) if "kept for the reports" in line)
    assert "the last 10s (not the 0h10m asked: at most a quarter of the night) kept" in said or "the last 9s (" in said
