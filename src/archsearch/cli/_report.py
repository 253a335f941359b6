"""``archsearch report SPACE_OR_STUDY``."""

from __future__ import annotations

from typing import Any

import click

from archsearch.cli._options import choice_option, path_option, storage_option, study_option, tracking_uri_option


@click.command()
@click.argument("space_or_study", metavar="SPACE_OR_STUDY", required=False)
@path_option(
    "--table",
    "table_file",
    metavar="FILE.csv",
    help="Analyse your own results: one row per trial and seed (see docs/report-schema.md); prints JSON.",
)
@path_option(
    "--labs",
    "labs_plan",
    metavar="PLAN.toml",
    help="Each lab's reported number next to archsearch's answer, for every ask step of a lab plan "
    "(search/labs_offline.toml): effect, interval, seeds, parameters, verdict, fit-time ratio, real "
    "data or stand-in; prints Markdown (docs/labs-results.md), or JSON with --format json.",
)
@choice_option(
    "--design",
    choices=["search", "ablation"],
    default="search",
    help="With --table: a search (exploratory) or a controlled ablation (confirmatory).",
)
@click.option(
    "--fdr",
    is_flag=True,
    help="Control the false discovery rate (Benjamini-Hochberg) over the report's "
    "comparisons instead of the family-wise error rate (Holm, the default).",
)
@choice_option(
    "--format", "fmt", choices=["md", "html", "json"], default="md", help="What to print on stdout (without --out)."
)
@path_option(
    "--out",
    "out",
    folder=True,
    metavar="DIR",
    help="Write report.md (+ PNG plots), report.html and report.json to DIR instead of printing.",
)
@study_option
@storage_option
@tracking_uri_option
@click.option(
    "--no-mlflow",
    is_flag=True,
    help="Do not refresh the answer on the MLflow parent run (report files, "
    "verdict tags, description) and its experiment.",
)
def report(
    space_or_study: str | None,
    table_file: str | None,
    labs_plan: str | None,
    design: str,
    fdr: bool,
    fmt: str,
    out: str | None,
    study_name: str | None,
    storage: str | None,
    tracking_uri: str | None,
    no_mlflow: bool,
) -> None:
    """Answer the space's questions: effects with adjusted intervals and verdicts.

    SPACE_OR_STUDY is a space file (its QUESTIONS are answered) or a study
    name. A search gives exploratory answers (each effect adjusted by
    regression on the other hyperparameters); an ablation from `archsearch
    ask` gives confirmatory ones (paired per seed). For each question: level
    means, complete / pruned / failed trials per level, the effect against the
    baseline with its interval and one decision (helps / hurts / no effect of
    X or more / not decided yet / did not learn / too few trials), and the
    estimate at equal model size. The report's
    comparisons are one family: Holm-adjusted (--fdr: Benjamini-Hochberg).
    Also the best trials, fANOVA importance with a bootstrap interval and a
    permutation-null baseline, trials at chance level and failed trials. The
    answer `run` and `ask` recorded on the study's newest MLflow parent run is
    refreshed: the files (artifacts under report/), the verdict tags, the
    description, and the experiment's description and runs view.

    \b
    Examples:
      archsearch report spaces/digits_quick.py
      archsearch report spaces/digits_quick.py --out reports/digits
      archsearch report digits_quick-ablation-layers-3f9a0c1e --format json
      archsearch report --labs search/labs_offline.toml > docs/labs-results.md
    """
    import tempfile
    from pathlib import Path

    if table_file is not None:
        _report_table(table_file, design, fdr)
        return
    if labs_plan is not None:
        from archsearch.cli._labs import labs_document

        click.echo(labs_document(labs_plan, storage, "json" if fmt == "json" else "md"), nl=False)
        return
    if space_or_study is None:
        raise click.UsageError("give SPACE_OR_STUDY, or --table FILE.csv.")

    from archsearch.report import build_report
    from archsearch.stores import check_stores

    check_stores(storage, None if no_mlflow else tracking_uri)
    rep = build_report(space_or_study, study_name=study_name, storage=storage, tracking_uri=tracking_uri, fdr=fdr)
    with tempfile.TemporaryDirectory(prefix="archsearch-report-") as tmp:
        if out is not None:
            files = rep.save(out)
            click.echo(f"wrote {len(files)} files to {out}", err=True)
        else:
            files = rep.save(Path(tmp)) if not no_mlflow else []
            if fmt == "json":
                click.echo(rep.to_json())
            elif fmt == "html":
                click.echo((Path(tmp) / "report.html").read_text() if files else rep.to_html())
            else:
                click.echo(rep.to_markdown())
        if not no_mlflow:
            run_id = _record(rep, files, tracking_uri)
            if run_id is not None:
                click.echo(f"report attached to MLflow run {run_id} (experiment '{rep.to_dict()['study']}')", err=True)


def _record(rep: Any, files: Any, tracking_uri: str | None) -> str | None:
    """``record_answer``; an MLflow server gone, or refusing the host name, since the check: one line, exit 2."""
    from archsearch.errors import UsageError
    from archsearch.report import record_answer
    from archsearch.stores import describe_server_error, redact, resolve_tracking_uri

    uri = resolve_tracking_uri(tracking_uri)
    try:
        return record_answer(rep, files, tracking_uri)
    except Exception as err:
        message = describe_server_error(err, uri)
        if message is None:
            raise
        raise UsageError(
            f"--tracking-uri {redact(uri)!r}: {message.rstrip('.')}. The report above is not in MLflow."
        ) from err


def _report_table(path: str, design: str, fdr: bool) -> None:
    """``--table``: the same analysis on a CSV of someone else's results, as JSON on stdout."""
    import json

    import pandas as pd

    from archsearch.analysis import analyze_table
    from archsearch.errors import UsageError

    try:
        table = pd.read_csv(path)
        data = analyze_table(table, design=design, adjust_method="fdr_bh" if fdr else "holm")
    except FileNotFoundError:
        raise UsageError(f"--table {path}: no such file.") from None
    except ValueError as err:
        raise UsageError(f"--table {path}: {err}") from None
    click.echo(json.dumps(data, indent=2, allow_nan=False))
