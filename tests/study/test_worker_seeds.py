"""``run --workers N`` on a sweep machine: the machine's sampler offset and each worker's index add up."""

from __future__ import annotations

import pytest

from archsearch import seeds
from archsearch.study import RunOptions, _workers
from tests.conftest import TINY_SPACE


class _FakeWorker:
    """A worker that is never started: its command line is kept, it exits 0 at once."""

    started: list[list[str]] = []

    def __init__(self, argv: list[str], **kwargs: object) -> None:
        self.argv, self.pid, self.stderr = argv, 0, iter(())
        _FakeWorker.started.append(argv)

    def wait(self) -> int:
        return 0


def _worker_indexes(tmp_path, write_space, monkeypatch, machine: int, workers: int) -> list[int]:
    space = write_space(TINY_SPACE, "tiny.py")
    monkeypatch.setattr(_workers.subprocess, "Popen", _FakeWorker)
    monkeypatch.setattr(_workers, "_study_result", lambda *args: None)
    _FakeWorker.started = []
    options = RunOptions(
        trials=4,
        storage=f"sqlite:///{tmp_path}/optuna.db",
        tracking_uri=f"sqlite:///{tmp_path}/mlflow.db",
        worker_index=seeds.machine_worker(machine),
    )
    _workers.run_workers(space, options, workers, {})
    out = []
    for argv in _FakeWorker.started:
        flags = argv[argv.index("run") :]
        out.append(int(flags[flags.index("--worker-index") + 1]) if "--worker-index" in flags else 0)
    return out


def test_two_machines_workers_get_distinct_sampler_seeds_and_a_resume_gets_the_same(tmp_path, write_space, monkeypatch):
    a = _worker_indexes(tmp_path, write_space, monkeypatch, machine=0, workers=3)
    b = _worker_indexes(tmp_path, write_space, monkeypatch, machine=1, workers=3)
    assert a == [0, 1, 2] and b == [64, 65, 66]  # the offset is not overridden by the worker's index
    drawn = {seeds.sampler_seed(0, done, w) for w in a + b for done in range(20)}
    assert len(drawn) == 6 * 20  # no two processes of the two machines propose from the same seed
    again = _worker_indexes(tmp_path, write_space, monkeypatch, machine=1, workers=3)
    assert again == b  # machine 1's worker i resumes as the same process, with the same sampler seed per done
    assert [seeds.sampler_seed(0, 5, w) for w in again] == [seeds.sampler_seed(0, 5, w) for w in b]


def test_more_workers_than_a_machine_s_stride_are_refused() -> None:
    assert seeds.worker_process(seeds.machine_worker(2), 63) == 191 < seeds.machine_worker(3)
    with pytest.raises(ValueError, match=r"worker must be in \[0, 64\)"):
        seeds.worker_process(0, 64)


def test_the_cli_refuses_more_than_64_workers() -> None:
    from click.testing import CliRunner

    from archsearch.cli import cli

    result = CliRunner().invoke(cli, ["run", "space.py", "--workers", "65"])
    assert result.exit_code == 2 and "65 is not in the range 1<=x<=64" in result.output, result.output
