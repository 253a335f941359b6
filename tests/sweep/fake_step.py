"""A stand-in for a sweep step (no training): ``fake_step.py MODE PIDFILE``.

MODE: ok (exit 0), fail (prints an error line, exit 1), sleep (sleeps; SIGTERM closes it like the commands do:
writes PIDFILE.closed, exit 143), stubborn (ignores SIGTERM), family (sleeps, with a child process in its group
whose pid goes to PIDFILE.child).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def main(mode: str, pidfile: Path) -> None:
    pidfile.write_text(str(os.getpid()))

    def closed(signum, frame):
        Path(f"{pidfile}.closed").write_text(signal.Signals(signum).name)
        sys.exit(128 + signum)

    if mode == "ok":
        sys.exit(0)
    if mode == "fail":
        print("error: spaces/x.py: the builder raised ValueError", file=sys.stderr)
        sys.exit(1)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, closed)
    if mode == "family":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        Path(f"{pidfile}.child").write_text(str(child.pid))
    Path(f"{pidfile}.ready").write_text("1")
    for _ in range(3000):
        time.sleep(0.1)
    sys.exit(0)


# Only as a script: pytest's --doctest-modules imports every module under tests/.
if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
