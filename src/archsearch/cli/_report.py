"""``archsearch report SPACE_OR_STUDY``."""

from __future__ import annotations

import click

from archsearch.cli._options import storage_option, study_option, tracking_uri_option


@click.command()
@click.argument("space_or_study", metavar="SPACE_OR_STUDY")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True,
              help="What to print on stdout (without --out).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=str), metavar="DIR",
              help="Write report.md (+ PNG plots), report.html and report.json to DIR instead of printing.")
@study_option
@storage_option
@tracking_uri_option
@click.option("--no-mlflow", is_flag=True, help="Do not attach the report and verdict tags to the MLflow parent run.")
def report(space_or_study: str, fmt: str, out: str | None, study_name: str | None, storage: str | None,
           tracking_uri: str | None, no_mlflow: bool) -> None:
    """Answer the space's questions: effects with 95% intervals and verdicts.

    SPACE_OR_STUDY is a space file (its QUESTIONS are answered) or a study
    name. For each question: level means with intervals, trials and seeds,
    median parameter count and fit time, the effect against the baseline with
    its interval and a verdict (helps / hurts / no clear effect / not enough
    data), and whether it holds at equal model size. Also the best trials,
    fANOVA importance with its spread over seeds, trials at chance level and
    failed trials. The files are attached to the study's newest MLflow parent
    run (artifacts under report/) and the verdicts set as tags.

    \b
    Examples:
      archsearch report spaces/digits_quick.py
      archsearch report spaces/digits_quick.py --out reports/digits
      archsearch report digits_quick-ablation-layers --format json
    """
    import tempfile
    from pathlib import Path

    from archsearch.report import build_report
    from archsearch.tracking import log_report

    rep = build_report(space_or_study, study_name=study_name, storage=storage, tracking_uri=tracking_uri)
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
            run_id = log_report(rep.to_dict(), files, tracking_uri)
            if run_id is not None:
                click.echo(f"report attached to MLflow run {run_id} (experiment '{rep.to_dict()['study']}')",
                           err=True)
