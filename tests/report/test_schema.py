"""docs/report-schema.md lists exactly the keys a report emits (search and ablation studies, and --table)."""

from __future__ import annotations

import re
from pathlib import Path

from archsearch.analysis import analyze_table
from archsearch.report import SCHEMA, build_report
from archsearch.study import load_trials, trials_table

DOC = Path(__file__).parents[2] / "docs" / "report-schema.md"


def _documented() -> dict[str, tuple[set[str], set[str]]]:
    """Section title -> (required keys, optional keys), from the first column of each key table."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    title = None
    for line in DOC.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip()
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or title is None:
            continue
        required, optional = out.setdefault(title, (set(), set()))
        names = re.findall(r"`([^`]+)`", cells[0])
        (optional if "*optional*" in line else required).update(names)
    return out


SECTIONS = _documented()


def _check(section: str, emitted: set[str], *, study: bool = True) -> None:
    required, optional = SECTIONS[section]
    if section == "Top level" and not study:
        rows = [ln for ln in DOC.read_text().splitlines() if ln.startswith("| `") and "| study |" in ln]
        study_keys = {re.findall(r"`([^`]+)`", r)[0] for r in rows}
        required = required - study_keys
    assert required <= emitted, f"{section}: documented, not emitted: {sorted(required - emitted)}"
    undocumented = sorted(emitted - required - optional)
    assert emitted <= required | optional, f"{section}: emitted, not documented: {undocumented}"


def _all(report: dict, *, study: bool = True) -> None:
    _check("Top level", set(report), study=study)
    _check("`multiplicity`", set(report["multiplicity"]))
    _check("`counts`", set(report["counts"]))
    for q in report["questions"]:
        _check("`questions[]`", set(q))
        for lv in q["levels"]:
            _check("`levels[]`", set(lv))
        for e in q["effects"]:
            _check("`effects[]`", set(e) - ({"summary"} if study else set()))
            assert ("summary" in e) == study
        for b in q["balance"]:
            _check("`balance[]`", set(b))
        for t in q["time_effects"]:
            _check("`time_effects[]`", set(t))
    if study:
        _check("`importance`", set(report["importance"]))
        for entry in report["importance"]["params"].values():
            _check("`importance.params.<name>`", set(entry))


def test_doc_names_the_schema_it_describes():
    assert SCHEMA == "archsearch.report/2" and f"`{SCHEMA}`" in DOC.read_text()
    assert {"Top level", "`questions[]`", "`levels[]`", "`effects[]`", "`importance`"} <= set(SECTIONS)


def test_search_report_keys_match_the_doc(url, tmp_path):
    report = build_report(
        "synthetic", storage=url, tracking_uri=f"sqlite:///{tmp_path}/m.db", importance_resamples=3
    ).to_dict()
    assert report["schema"] == SCHEMA and report["importance"]["params"]
    assert any(q["balance"] for q in report["questions"]) and report["counts"]["PRUNED"] > 0
    _all(report)


def test_ablation_report_keys_match_the_doc(url, tmp_path):
    report = build_report("synthetic-ablation-act", storage=url, tracking_uri=f"sqlite:///{tmp_path}/m.db").to_dict()
    assert report["exploratory"] is False and report["importance"]["error"]
    _all(report)


def test_table_result_keys_match_the_doc(url):
    table = trials_table(load_trials("synthetic", url), "val_accuracy")
    _all(analyze_table(table), study=False)
