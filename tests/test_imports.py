"""Importing any archsearch module changes nothing global: no import hook, no log handler, no environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

PROBE = r"""
import importlib, json, logging, os, pkgutil, sys

def state():
    return {
        "meta_path": [type(f).__module__ + "." + type(f).__qualname__ for f in sys.meta_path
                      if type(f).__module__.startswith("archsearch")],
        "handlers": {name: [type(h).__name__ for h in logging.getLogger(name).handlers]
                     for name in ["archsearch", *logging.root.manager.loggerDict] if name.startswith("archsearch")},
        "propagate": {name: logging.getLogger(name).propagate
                      for name in logging.root.manager.loggerDict if name.startswith("archsearch")},
        "env": {k: v for k, v in os.environ.items() if k.startswith(("ARCHSEARCH", "TF_CPP"))},
    }

before = state()
import archsearch
names = sorted(m.name for m in pkgutil.walk_packages(archsearch.__path__, "archsearch.")
               if not m.name.endswith("__main__"))
for name in names:
    importlib.import_module(name)
print(json.dumps({"before": before, "after": state(), "imported": len(names)}))
"""


def test_importing_every_module_changes_nothing_global() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["imported"] > 100
    before, after = result["before"], result["after"]
    assert after["meta_path"] == before["meta_path"] == []
    assert all(h == [] for h in after["handlers"].values()), after["handlers"]
    assert all(after["propagate"].values()), after["propagate"]
    assert after["env"] == before["env"]
