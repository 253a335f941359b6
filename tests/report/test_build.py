"""build_report on studies written straight to Optuna (no Keras): analyze_table's verdicts, labels, rendering."""

from __future__ import annotations

from archsearch.report import build_report, verdict_lines
from archsearch.study import load_trials, trials_table


def _report(url, name, **kw):
    return build_report(name, storage=url, tracking_uri=f"{url[:-4]}m.db", importance_resamples=0, **kw)


def test_search_is_exploratory_adjusted_and_holm_controlled(url):
    data = _report(url, "synthetic").to_dict()
    assert data["exploratory"] is True and data["multiplicity"]["method"] == "holm"
    assert data["multiplicity"]["m"] == sum(len(q["effects"]) for q in data["questions"])
    act = next(q for q in data["questions"] if q["param"] == "act")
    assert act["method"].startswith("OLS") and act["adjusted_for"]
    tanh = next(e for e in act["effects"] if e["level"] == "tanh")
    assert tanh["verdict"] == "helps" and tanh["ci_low"] <= 0.05 <= tanh["ci_high"]
    assert tanh["p"] <= tanh["p_adjusted"] and tanh["ci_low"] <= tanh["ci_low_raw"]
    assert tanh["summary"].startswith("helps: ") and tanh["summary"].endswith("; exploratory (search)")
    sig = next(e for e in act["effects"] if e["level"] == "sig")
    assert sig["n_failed"] == 5 and sig["withheld"] and sig["verdict"] not in ("helps", "hurts")
    assert "fail rate" in sig["summary"]
    levels = {lv["level"]: lv for lv in act["levels"]}
    assert (levels["sig"]["n_failed"], levels["relu"]["n_failed"]) == (5, 0)
    assert sum(lv["n_pruned"] for lv in act["levels"]) == data["counts"]["PRUNED"] == 3
    assert act["outcome"] == "epoch 2"  # pruned trials count, compared where all of them got to


def test_fdr_switches_the_family_method(url):
    data = _report(url, "synthetic", fdr=True).to_dict()
    assert data["multiplicity"]["method"] == "fdr_bh"


def test_ablation_is_confirmatory_and_drops_trials_outside_the_design(url):
    data = _report(url, "synthetic-ablation-act").to_dict()
    assert data["exploratory"] is False and data["counts"]["excluded"] == 1
    (q,) = data["questions"]
    (e,) = q["effects"]
    assert q["paired"] and e["n"] == e["n_ref"] == 5
    assert e["verdict"] == "helps" and e["ci_low"] <= 0.02 <= e["ci_high"]
    assert e["summary"].endswith("; confirmatory (ask)")


def test_markdown_shows_counts_family_labels_and_balance_command(url):
    md = _report(url, "synthetic").to_markdown()
    assert "complete / pruned / failed" in md and "Holm (family-wise error rate)" in md
    assert "Answers: exploratory (search)" in md.split("## Method")[1]
    assert "exploratory (search)" in md.split("## Question: act")[1]
    verdict_rows = [ln for ln in md.splitlines() if ln.startswith("| ") and ("helps:" in ln or "not decided yet" in ln)]
    assert verdict_rows and all("exploratory (search)" in r for r in verdict_rows)
    ablation = _report(url, "synthetic-ablation-act").to_markdown()
    assert "confirmatory (ask)" in ablation and "exploratory" not in ablation


def test_poor_balance_note_gives_the_ask_command(url, tmp_path):
    import numpy as np

    table = trials_table(load_trials("synthetic", url), "val_accuracy")
    from archsearch.analysis import analyze_table

    rng = np.random.default_rng(0)
    table["params_units"] = np.where(
        table["params_act"] == "tanh", rng.integers(50, 64, len(table)), rng.integers(8, 20, len(table))
    )
    q = next(q for q in analyze_table(table, space="s.py")["questions"] if q["param"] == "act")
    assert "Poor balance on units" in q["note"] and "archsearch ask s.py --factor act" in q["note"]


def test_verdict_lines_say_which_kind_of_answer(url):
    lines = verdict_lines("synthetic", url)
    assert lines[0].startswith("Verdicts (val_accuracy; exploratory (search): a random search")
    assert "Holm" not in lines[0]  # the method is in the report's Method section, not on the verdict lines
    questions = _report(url, "synthetic").to_dict()["questions"]
    effects = [(q, e) for q in questions for e in q["effects"]]
    assert len(lines) == len(effects) + 2
    for (q, e), line in zip(effects, lines[1:-1], strict=True):
        assert line.startswith(f"  {q['param']}: {e['level']} vs {e['reference']}: {e['verdict']}")
        assert line.endswith("exploratory (search)") and "validation split" in line
    lines = verdict_lines("synthetic-ablation-act", url)
    assert "confirmatory (ask)" in lines[0] and "confirmatory (ask)" in lines[1]


def test_a_level_that_always_failed_is_reported_and_plotted(tmp_path):
    import optuna
    from optuna.distributions import CategoricalDistribution

    url = f"sqlite:///{tmp_path}/o.db"
    s = optuna.create_study(study_name="fails", storage=url, direction="maximize")
    dist = {"act": CategoricalDistribution(["relu", "tanh"])}
    for i in range(8):
        if i % 2:
            s.add_trial(
                optuna.trial.create_trial(
                    params={"act": "tanh"},
                    distributions=dist,
                    state=optuna.trial.TrialState.FAIL,
                    user_attrs={"seed": i, "error": "ValueError: boom\nTraceback"},
                )
            )
        else:
            s.add_trial(
                optuna.trial.create_trial(
                    params={"act": "relu"},
                    distributions=dist,
                    value=0.8 + i / 100,
                    user_attrs={"seed": i, "params_count": 10},
                )
            )
    rep = build_report("fails", storage=url, tracking_uri=f"sqlite:///{tmp_path}/m.db", importance_resamples=0)
    (e,) = rep.to_dict()["questions"][0]["effects"]
    assert e["verdict"] == "too few trials"
    assert e["summary"] == (
        "too few trials (on the validation split, 0 vs 4 trials); tanh: 4 trial(s), all failed: "
        "ValueError: boom; exploratory (search)"
    )
    assert e["size_note"] == "no usable trial at this level."
    names = {f.name for f in rep.save(tmp_path / "out")}
    assert {"report.md", "report.html", "effect_act.png"} <= names
    assert "0 / 0 / 4" in (tmp_path / "out" / "report.md").read_text()


def test_one_decision_word_in_markdown_html_json_and_tags(url):
    """Issue 30: the same verdict text everywhere, the split and seeds on the line, the method in its own section."""
    import html as html_mod

    from archsearch.analysis import DECISIONS, verdict_text
    from archsearch.report._record import verdict_tags
    from archsearch.report._render import render_html

    rep = _report(url, "synthetic-ablation-act")
    data = rep.to_dict()
    (e,) = data["questions"][0]["effects"]
    assert e["verdict"] in DECISIONS and e["summary"] == verdict_text(e, data["objective"])
    assert e["summary"].startswith(e["verdict"]) and "on the validation split, 5 seeds per level" in e["summary"]
    md = rep.to_markdown()
    body, method = md.split("## Method")
    assert e["summary"] in body and "Holm" not in body.split("## Question")[1].split("## ")[0]
    assert "seeds only (example noise not included)" in method and "validation split" in method
    assert "val_accuracy mean (validation)" in md  # validation means are labelled as such
    assert html_mod.escape(e["summary"], quote=False).split("`")[0] in render_html(data, {})
    assert verdict_text(e, data["objective"], short=True) in verdict_tags(data)["archsearch.verdict.act"]
    assert verdict_tags(data)["archsearch.verdict.act"].split(": ", 1)[1].startswith(e["verdict"])


def test_verdict_lines_say_when_the_baseline_was_never_tried(url, tmp_path):
    # The comparison switched to another level without a word ("units: 64 vs 16" for baseline=32); and a
    # question no trial has a value for read "only one level tried".
    from archsearch.space import Question, Space

    questions = [Question("act", "Which activation?", baseline="gelu"), Question("nope", "Unknown?")]
    space = Space(path=tmp_path / "synthetic.py", name="synthetic", build=lambda hp: None, questions=questions)
    lines = verdict_lines("synthetic", url, space)
    act = [ln for ln in lines if ln.startswith("  act: ")]
    reference = act[0].split(" vs ")[1].split(":")[0]
    assert act[-1] == f"  act: the baseline 'gelu' has no trial; the effects are against {reference} instead."
    assert "  nope: no trial has a value for 'nope'." in lines and "only one level tried" not in "".join(lines)


def test_rows_without_an_answer_show_no_p_value_and_say_which_levels_were_at_chance(tmp_path):
    """D16: "did not learn" and "too few trials" rows print no p-value (JSON: null and why), two levels of the
    same size need no size adjustment, and "every level at chance" only when every level was."""
    from tests.report.studies import nolearn_study, search_study

    url = f"sqlite:///{tmp_path}/o.db"
    nolearn_study(url)
    rep = _report(url, "nolearn-ablation-lr")
    effects = {e["level"]: e for e in rep.to_dict()["questions"][0]["effects"]}
    assert {e["verdict"] for e in effects.values()} == {"did not learn"}
    for e in effects.values():
        assert e["p"] is None and e["p_adjusted"] is None and e["p_note"] == "no p-value: did not learn"
    assert effects["2e-06"]["why"].startswith("both 2e-06 and the reference (1e-06) at chance (10%)")
    assert effects["0.05"]["why"].startswith("the reference (1e-06) at chance (10%)")
    rows = [ln for ln in rep.to_markdown().splitlines() if ln.startswith(("| 2e-06 | did", "| 0.05 | did"))]
    assert len(rows) == 2 and "every level" not in "".join(rows)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[2] == "-" and cells[5] == "not needed: same size", cells
    search_study(url, name="few", n=6)
    few = [e for q in _report(url, "few").to_dict()["questions"] for e in q["effects"]]
    assert any(e["verdict"] == "too few trials" for e in few)
    for e in few:
        if e["verdict"] == "too few trials":
            assert e["p"] is None and e["p_note"] == "no p-value: too few trials"
    md = _report(url, "few").to_markdown()
    too_few_rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "| too few trials:" in ln]
    assert too_few_rows and all(r.split(" | ")[2] == "-" for r in too_few_rows)
