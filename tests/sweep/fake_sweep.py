"""A sweep of fake steps in its own process: ``fake_sweep.py FOLDER MODE...`` (real clock, no deadline)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: tests.sweep.night

from archsearch.sweep import exit_code, run_night
from tests.sweep.night import options, plan_of

# Only as a script: pytest's --doctest-modules imports every module under tests/.
if __name__ == "__main__":
    folder = Path(sys.argv[1])
    state = run_night(plan_of(folder, *sys.argv[2:]), options(folder, say=print))
    sys.exit(exit_code(state))
