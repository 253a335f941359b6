"""Report on a real (tiny) digits study: JSON schema keys, files, HTML plots, MLflow artifacts and tags."""

from __future__ import annotations

import base64
import json

import pytest

from archsearch.report import SCHEMA, build_report, record_answer, verdict_lines
from archsearch.tracking import newest_parent_run
from tests.conftest import SPACES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    from archsearch.study import RunOptions, run_search

    tmp = tmp_path_factory.mktemp("digits")
    options = RunOptions(
        trials=3, epochs=1, storage=f"sqlite:///{tmp}/o.db", tracking_uri=f"sqlite:///{tmp}/m.db", quiet=True
    )
    return run_search(SPACES / "digits_quick.py", options)


def test_report_answers_each_question_of_the_space(digits):
    rep = build_report(SPACES / "digits_quick.py", storage=digits.storage, tracking_uri=digits.tracking_uri)
    data = json.loads(rep.to_json())
    assert data["schema"] == SCHEMA and data["study"] == "digits_quick"
    assert data["counts"]["COMPLETE"] == 3 and data["design"] == {"kind": "search", "sampler": "tpe"}
    assert [q["param"] for q in data["questions"]] == ["layers", "activation"]
    for q in data["questions"]:
        assert sum(lv["n_trials"] for lv in q["levels"]) == 3
        for e in q["effects"]:
            assert e["reference"] == q["reference"]
            # three trials for two hyperparameters cannot separate any effect: the report says so, with the fix
            assert e["verdict"] == "too few trials"
            assert e["summary"].startswith("too few trials: 3 trials") and "archsearch ask" in e["summary"]
            assert "[" not in e["summary"]  # no interval printed
    assert any("TPE search" in n and "archsearch ask" in n for n in data["notes"])
    best = data["best_trials"]
    assert len(best) == 3 and best[0]["value"] == pytest.approx(digits.best_value)
    assert best[0]["params_count"] == digits.best_attrs["params_count"]
    assert {"accuracy", "val_accuracy", "test_accuracy", "fit_seconds"} <= set(best[0])
    assert set(data["importance"]["params"]) or data["importance"].get("error")


def test_saved_files_html_embeds_plots_and_mlflow_gets_them(digits, tmp_path):
    rep = build_report("digits_quick", storage=digits.storage, tracking_uri=digits.tracking_uri)
    assert rep.to_dict()["space"].endswith("digits_quick.py")  # found through the MLflow parent run's tag
    files = rep.save(tmp_path / "out")
    names = {f.name for f in files}
    assert {"report.md", "report.html", "report.json", "objective_over_trials.png", "effect_layers.png"} <= names
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4
    png = html.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(png)[:4] == b"\x89PNG"
    assert "](effect_layers.png)" in (tmp_path / "out" / "report.md").read_text()

    run_id = record_answer(rep, files, digits.tracking_uri)
    assert run_id == digits.parent_run_id == newest_parent_run("digits_quick", digits.tracking_uri).info.run_id
    from mlflow.tracking import MlflowClient

    client = MlflowClient(digits.tracking_uri)
    tags = client.get_run(run_id).data.tags
    assert tags["archsearch.verdict.layers"].startswith(
        tuple(f"{lv['level']} vs" for lv in rep.to_dict()["questions"][0]["levels"])
    )
    assert "report/report.html" in {a.path for a in client.list_artifacts(run_id, "report")}
    note = tags["mlflow.note.content"]  # the parent run's description starts with the verdicts
    assert note.startswith(f"**layers: {tags['archsearch.verdict.layers']}**\n**activation: ")
    assert "count=" not in (tmp_path / "out" / "report.md").read_text().split("## Best trials")[1]
    assert "`" not in html


def test_verdict_lines_for_the_end_of_run(digits):
    lines = verdict_lines("digits_quick", digits.storage, SPACES / "digits_quick.py")
    assert lines[0].startswith("Verdicts (val_accuracy")
    assert lines[1].startswith("  layers: ") and lines[3].startswith("  activation: ")
    # digits_quick's layers question has baseline 1; its 3 trials have none: the line says which level was used
    assert lines[2].startswith("  layers: the baseline 1 has no trial; the effects are against ")
    # The command reads the study where it is: its store, not the default one.
    assert lines[-1] == (
        f"Full report: archsearch report {SPACES / 'digits_quick.py'} --study digits_quick --storage {digits.storage}"
    )


def test_load_trials_on_a_real_study(digits):
    import archsearch

    df = archsearch.load_trials("digits_quick", storage=digits.storage)
    assert len(df) == 3 and (df["state"] == "COMPLETE").all()
    assert df["value"].tolist() == pytest.approx(df["val_accuracy"].tolist())
    assert df["seed"].notna().all() and (df["params_count"] > 0).all()
