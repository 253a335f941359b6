"""`archsearch ui` in a real browser: Debian's Chromium driven by Playwright, on a tiny search and an ablation.

Needs /usr/bin/chromium (Debian's `chromium` package; .ci/run installs it when
missing) and the `playwright` Python package (the `test` extra); never a
browser download. Screenshots go to the test's tmp_path and, when
ARCHSEARCH_ARTIFACTS is set, to that folder too.
"""

from __future__ import annotations

import json
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
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _archsearch(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "archsearch", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def store(tmp_path_factory, _mlflow_template) -> tuple[Path, dict[str, str]]:
    """One store for the module: a finished search with repeats, then an ablation (`ask`), each with its answer."""
    folder = tmp_path_factory.mktemp("ui-store")
    cache = folder / "cache"
    cache.mkdir()
    shutil.copyfile(_mlflow_template, cache / _mlflow_template.name)
    env = {
        **os.environ,
        "ARCHSEARCH_STORAGE": f"sqlite:///{folder}/mlruns/optuna.db",
        "ARCHSEARCH_TRACKING_URI": f"sqlite:///{folder}/mlruns/mlflow.db",
        "ARCHSEARCH_CACHE": str(cache),
        "NO_COLOR": "1",
    }
    env.pop("ARCHSEARCH_DEBUG", None)
    space = folder / "tiny.py"
    space.write_text(TINY_SPACE)
    _archsearch(folder, env, "run", str(space), "--trials", "2", "--epochs", "2", "--repeats", "2", "--seed", "1", "-q")
    _archsearch(
        folder, env, "ask", str(space), "--factor", "units", "--levels", "8,16", "--repeats", "2", "--epochs", "2", "-q"
    )
    return folder, env


@pytest.fixture(scope="module")
def ui_url(store):
    """`archsearch ui` on a free loopback port: the one line it prints, the URL."""
    folder, env = store
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "archsearch", "ui", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline()  # printed once the server answers
        assert line.startswith(f"MLflow UI: http://127.0.0.1:{port}/#/experiments/"), line
        yield line.split(": ", 1)[1].strip()
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        rest, errors = proc.stdout.read(), proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert rest == "" and errors == "", (rest, errors)  # one line in all; the server's own lines stay out


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


@pytest.fixture(scope="module")
def browser_page():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package (test extra) is missing")
    with sync_api.sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="archsearch-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 900},
        )
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


def _client(store):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=store[1]["ARCHSEARCH_TRACKING_URI"])


def _parent_and_children(client, experiment):
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    children = sorted((r for r in runs if "mlflow.parentRunId" in r.data.tags), key=lambda r: r.info.run_name)
    return parent, children


def test_the_ablation_parent_run_holds_its_answer(store):
    """`ask` records its answer on its parent run: verdict tags, report files, real params, a description."""
    client = _client(store)
    (ablation,) = [e for e in client.search_experiments() if e.name.startswith("tiny-ablation-units-")]
    parent, children = _parent_and_children(client, ablation)
    assert len(children) == 4  # 2 levels x 2 seeds
    verdict = parent.data.tags["archsearch.verdict.units"]
    assert verdict.startswith("16 vs 8: ") and "; confirmatory" not in verdict and len(verdict) < 80
    params = parent.data.params
    assert {
        k: params[k] for k in ("factor", "levels", "baseline", "repeats", "seeds", "base", "epochs", "dataset")
    } == {
        "factor": "units",
        "levels": "8,16",
        "baseline": "8",
        "repeats": "2",
        "seeds": "1000,1001",
        "base": "default",
        "epochs": "2",
        "dataset": "digits",
    }
    assert "sampler" not in params and "best_objective" not in parent.data.metrics  # no best trial in a design
    note = parent.data.tags["mlflow.note.content"]
    assert note.startswith(f"**units: {verdict}**")  # the verdict first, then the design in words
    assert "Do more units help? A controlled ablation of `units`" in note and "levels 8 (baseline), 16" in note
    assert "2 seeds per level" in note and "split" in note and "A tiny dense space" not in note
    files = {a.path for a in client.list_artifacts(parent.info.run_id, "report")}
    assert {"report/report.md", "report/report.html", "report/report.json", "report/effect_units.png"} <= files
    # The experiment: model training, its description starting with the verdict, the saved view's columns.
    tags = client.get_experiment(ablation.experiment_id).tags
    assert tags["mlflow.experimentKind"] == "custom_model_development"
    assert tags["mlflow.note.content"].startswith(f"**Do more units help?** units {verdict} ([the answer](")
    state = json.loads(json.loads(tags["mlflow.sharedViewState.archsearch"])["state"])
    assert state["columnOrder"] == [
        "attributes.`Run Name`",
        "metrics.`objective`",
        "tags.`archsearch.verdict.units`",
        "params.`units`",
    ]
    # One metric per meaning: the objective once, curves under curves/, no final/ copy of a curve's last point.
    metrics = set(children[0].data.metrics)
    assert {"objective", "curves/val_accuracy", "curves/accuracy", "final/test_accuracy"} <= metrics
    assert not {"final/val_accuracy", "final/accuracy", "final/loss"} & metrics


def test_the_answer_is_the_first_thing_seen(store, ui_url, browser_page, shots):
    """The URL `archsearch ui` prints shows the newest answer; its run page says it first, in model training."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    page = browser_page
    client = _client(store)
    (ablation,) = [e for e in client.search_experiments() if e.name.startswith("tiny-ablation-units-")]
    parent, _ = _parent_and_children(client, ablation)
    verdict = parent.data.tags["archsearch.verdict.units"]
    assert f"/#/experiments/{ablation.experiment_id}/runs?" in ui_url  # the newest answer's experiment

    page.goto(ui_url)
    expect(page.get_by_role("link", name=parent.info.run_name)).to_be_visible()
    _close_assistant(page)
    expect(page.get_by_text("Do more units help?").first).to_be_visible()  # the experiment's description
    cell = page.get_by_role("gridcell", name=verdict)  # the verdict column, in full
    expect(cell).to_be_visible()
    left = [
        page.get_by_role("columnheader", name=name, exact=True).first.bounding_box()["x"]
        for name in ("Run Name", "objective", "archsearch.verdict.units", "units")
    ]
    assert left == sorted(left), left  # the saved view's order: run name, objective, verdict, the question's param
    page.screenshot(path=str(shots / "answer.png"))

    # The answer's run page, from the description's link (MLflow opens it in a new tab): the verdict first,
    # no "Show more" needed.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="the answer").first.click()
    page = opened.value
    page.set_default_timeout(TIMEOUT_MS)
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(page.get_by_role("heading", name=parent.info.run_name)).to_be_visible()
    _close_assistant(page)
    expect(page.get_by_text(f"units: {verdict}", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("link", name="Models", exact=True)).to_be_visible()  # the model-training sidebar ...
    for genai in ("Sessions", "Judges", "Evaluation runs", "Evaluations"):  # ... not GenAI's
        expect(page.get_by_text(genai, exact=True)).to_have_count(0)
    page.screenshot(path=str(shots / "answer-run.png"))
    page.close()


def test_a_finished_study_in_the_mlflow_ui(store, ui_url, browser_page, shots):
    from playwright.sync_api import expect

    from archsearch.cli._ui import runs_url

    # Assertions wait as long as actions do: on a loaded 2-core machine the runs table can take over
    # expect's default 5 s to appear.
    expect.set_options(timeout=TIMEOUT_MS)
    page = browser_page
    base = ui_url.split("/#/")[0]
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=base)  # the REST API of the server `archsearch ui` started
    experiment = client.get_experiment_by_name("tiny")
    parent, children = _parent_and_children(client, experiment)
    assert [r.info.run_name.split()[0] for r in children] == ["trial-0", "trial-1"]
    assert "archsearch.verdict.units" in parent.data.tags  # `run` records its answer too
    assert {"report/report.html", "report/report.json"} <= {
        a.path for a in client.list_artifacts(parent.info.run_id, "report")
    }

    # Every per-epoch metric: exactly one value per step, steps 1..epochs.
    for run in children:
        curves = [
            k
            for k in run.data.metrics
            if k.startswith(("curves/", "seed_"))
            and not k.endswith(("/objective", "/test_accuracy", "/fit_seconds", "/epoch_seconds"))
        ]
        assert {"curves/val_accuracy", "seed_0/val_accuracy", "seed_1/val_accuracy"} <= set(curves)
        for key in curves:
            steps = [m.step for m in client.get_metric_history(run.info.run_id, key)]
            assert steps == [1, 2], (run.info.run_name, key, steps)

    # The search's runs view: the parent, expanded, shows its trials and the objective column.
    page.goto(runs_url(base, experiment.experiment_id, view=True))
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
    page.goto(
        f"{base}/#/experiments/{experiment.experiment_id}/runs/{parent.info.run_id}/artifacts"
        "?workflowType=machine_learning"
    )
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
