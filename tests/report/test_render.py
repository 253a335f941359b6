"""Report rendering without a study: inline Markdown in HTML, intervals clipped to the metric's range, ticks."""

from __future__ import annotations

import math

from archsearch.report._plots import clip_interval, make_plots, metric_range
from archsearch.report._render import render_html, render_markdown


def _data() -> dict:
    """A real report/2 dict: analyze_table on a small search table, plus the study's sections."""
    import pandas as pd

    from archsearch.analysis import analyze_table

    rows = [
        {
            "trial": t,
            "seed": 0,
            "value": 0.5 + 0.01 * t,
            "state": "COMPLETE",
            "params_count": 1000 + t,
            "fit_seconds": 1.0,
            "params_units": 8 if t % 2 else 16,
        }
        for t in range(6)
    ]
    data = analyze_table(pd.DataFrame(rows), design="search")
    from archsearch.report import format_effect

    for e in data["questions"][0]["effects"]:
        e["summary"] = format_effect(e, "val_accuracy")
    data["questions"][0]["note"] = "baseline 8 has no trial"
    data["notes"] = ["a note with `code`"]
    return {
        **data,
        "study": "tiny",
        "storage": "",
        "space": "tiny.py",
        "objective": "val_accuracy",
        "best_trials": [
            {
                "trial": 0,
                "value": 0.6,
                "n_seeds": 2,
                "params_count": 11370,
                "accuracy": 0.5,
                "val_accuracy": 0.6,
                "test_accuracy": 0.55,
                "fit_seconds": 1.0,
                "params_units": 16,
            }
        ],
        "importance": {"error": "needs 3 trials"},
        "at_chance": [],
        "failed": [],
        "lab": None,
    }


def test_the_model_size_is_not_a_hyperparameter_and_html_has_no_markdown_marks():
    md = render_markdown(_data())
    best = md.split("## Best trials")[1]
    assert "units=16" in best and "count=" not in best
    page = render_html(_data(), {})
    assert "`" not in page and "**" not in page
    assert "<code>tiny</code>" in page and "<em>baseline 8 has no trial</em>" in page


def test_intervals_are_clipped_to_the_metric_range():
    assert metric_range("val_accuracy") == (0.0, 1.0) and metric_range("loss") == (0.0, math.inf)
    assert clip_interval(-2.0, 3.0, "val_accuracy") == (0.0, 1.0, True, True)
    assert clip_interval(0.2, 0.4, "val_accuracy") == (0.2, 0.4, False, False)
    assert clip_interval(-5.0, 5.0, "reward") == (-5.0, 5.0, False, False)


def test_epoch_and_trial_axes_have_integer_ticks(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure
    import pandas as pd

    seen = {}
    original = matplotlib.figure.Figure.savefig

    def record(fig, *args, **kwargs):
        ax = fig.axes[0]
        seen[ax.get_title()] = list(ax.get_xticks())
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", record)
    table = pd.DataFrame(
        {
            "trial": [0, 1],
            "state": ["COMPLETE", "COMPLETE"],
            "value": [0.5, 0.6],
            "params_count": [100, 200],
            "history": [{"val_accuracy": [0.4, 0.5]}, {"val_accuracy": [0.5, 0.6]}],
        }
    )
    data = _data()
    data["best_trials"] = [{"trial": 1}, {"trial": 0}]
    plots = make_plots(data, table)
    assert {"learning_curves", "objective_over_trials", "effect_units"} <= set(plots)
    for title in ("Learning curves of the best trials", "Objective over trials"):
        assert seen[title] and all(float(t).is_integer() for t in seen[title]), (title, seen[title])


def test_an_ablation_without_other_hyperparameters_and_one_epoch_reads_right():
    """Cosmetic: `every other hyperparameter held at {}` and `Training: 1 epochs`."""
    data = _data()
    data["design"] = {"kind": "ablation", "factor": "units", "levels": [8, 16], "seeds": [1000], "base": {}}
    data["lab"] = {"epochs": 1, "batch_size": 32}
    md = render_markdown(data)
    assert "seeds [1000], no other hyperparameter to hold." in md and "{}" not in md
    assert "Training: 1 epoch, batch 32." in md
    data["design"]["base"] = {"lr": 0.01}
    assert "every other hyperparameter held at {'lr': 0.01}." in render_markdown(data)
