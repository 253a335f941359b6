"""`archsearch ui` in a real browser: Debian's Chromium driven by Playwright, on a tiny finished study.

Needs /usr/bin/chromium (Debian's `chromium` package; .ci/run installs it when
missing) and the `playwright` Python package (the `test` extra); never a
browser download. Screenshots go to the test's tmp_path and, when
ARCHSEARCH_ARTIFACTS is set, to that folder too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import TINY_SPACE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _archsearch(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "archsearch", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def study(tmp_path) -> Path:
    """A finished study with repeats, its report attached to the parent run."""
    space = tmp_path / "tiny.py"
    space.write_text(TINY_SPACE)
    _archsearch(tmp_path, "run", str(space), "--trials", "2", "--epochs", "2", "--repeats", "2", "--seed", "1")
    _archsearch(tmp_path, "report", str(space))
    return tmp_path


@pytest.fixture
def ui_url(study):
    """`archsearch ui` on a free loopback port; the URL it prints."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "archsearch", "ui", "--port", str(port)], cwd=study,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()  # printed once the server answers
        assert line.startswith(f"MLflow UI: http://127.0.0.1:{port}/"), line
        yield line.split(": ", 1)[1].strip()
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.fixture
def shots(tmp_path):
    """Where screenshots go; copied to $ARCHSEARCH_ARTIFACTS at the end when it is set."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    yield folder
    target = os.environ.get("ARCHSEARCH_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy(png, Path(target) / f"ui-{png.name}")


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package (test extra) is missing")
    with sync_api.sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="archsearch-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), headless=True,
                                                        args=CHROMIUM_ARGS, viewport={"width": 1600, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            context.close()


def _close_assistant(page) -> None:
    close = page.get_by_role("button", name="Close")
    if close.count():
        close.first.click()


def test_a_finished_study_in_the_mlflow_ui(study, ui_url, browser_page, shots):
    from mlflow.tracking import MlflowClient
    from playwright.sync_api import expect

    # Assertions wait as long as actions do: on a loaded 2-core machine the runs table can take over
    # expect's default 5 s to appear.
    expect.set_options(timeout=TIMEOUT_MS)
    page = browser_page
    base = ui_url.split("/#/")[0]
    client = MlflowClient(tracking_uri=base)  # the REST API of the server `archsearch ui` started
    experiment = client.get_experiment_by_name("tiny")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    children = sorted((r for r in runs if "mlflow.parentRunId" in r.data.tags), key=lambda r: r.info.run_name)
    assert [r.info.run_name.split()[0] for r in children] == ["trial-0", "trial-1"]

    # Every per-epoch metric: exactly one value per step, steps 1..epochs.
    for run in children:
        curves = [k for k in run.data.metrics if k.startswith(("curves/", "seed_")) and not k.endswith(
            ("/objective", "/test_accuracy", "/fit_seconds"))]
        assert {"curves/val_accuracy", "seed_0/val_accuracy", "seed_1/val_accuracy"} <= set(curves)
        for key in curves:
            steps = [m.step for m in client.get_metric_history(run.info.run_id, key)]
            assert steps == [1, 2], (run.info.run_name, key, steps)

    # The runs view: the parent, expanded, shows its trials and the objective column.
    page.goto(ui_url)
    parent_row = page.get_by_role("link", name=parent.info.run_name)
    expect(parent_row).to_be_visible()
    _close_assistant(page)
    page.locator('button[data-component-id$="runnamecellrenderer.tsx_46"]').first.click()
    for run in children:
        expect(page.get_by_role("link", name=run.info.run_name)).to_be_visible()
    expect(page.get_by_role("columnheader", name="objective").first).to_be_visible()
    page.screenshot(path=str(shots / "runs.png"))

    # A trial's val_accuracy chart.
    page.get_by_role("link", name=children[0].info.run_name).click()
    page.get_by_role("tab", name="Model metrics").click()
    expect(page.get_by_text("val_accuracy", exact=True).first).to_be_visible()
    expect(page.get_by_text("curves", exact=True).first).to_be_visible()
    page.screenshot(path=str(shots / "chart.png"))

    # The parent's report artifact.
    page.goto(f"{base}/#/experiments/{experiment.experiment_id}/runs/{parent.info.run_id}/artifacts")
    page.get_by_text("report", exact=True).first.click()
    # MLflow shows a Markdown artifact as source text, so report.md points to report.html, which it renders.
    page.get_by_text("report.md", exact=True).first.click()
    expect(page.get_by_text("report.html has them inline").first).to_be_visible()
    page.get_by_text("report.html", exact=True).first.click()
    report = page.frame_locator("iframe").first
    expect(report.get_by_role("heading", name="Best trials")).to_be_visible()
    plots = report.locator("img")
    expect(plots.first).to_be_visible()
    loaded = plots.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded and all(loaded), loaded  # every plot drawn, none a broken link
    text = report.locator("body").inner_text()
    assert "`" not in text and "](" not in text  # Markdown rendered: no literal backticks or link syntax
    page.screenshot(path=str(shots / "report.png"))
    assert sorted(p.name for p in shots.glob("*.png")) == ["chart.png", "report.png", "runs.png"]
