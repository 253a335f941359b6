"""Reports: verdicts with intervals, best trials, importance; Markdown, HTML, JSON and MLflow."""

from archsearch.report._build import SCHEMA, Report, answer_kind, build_report, format_effect
from archsearch.report._lab_context import dataset_context, lab_context, level_references
from archsearch.report._lab_table import LabAsk, labs_json, labs_rows
from archsearch.report._labs_render import labs_markdown
from archsearch.report._record import record_answer, record_study, verdict_tags
from archsearch.report._render import time_lines
from archsearch.report._summary import report_command, study_report, verdict_lines

__all__ = [
    "SCHEMA",
    "LabAsk",
    "Report",
    "answer_kind",
    "build_report",
    "dataset_context",
    "format_effect",
    "lab_context",
    "labs_json",
    "labs_markdown",
    "labs_rows",
    "level_references",
    "record_answer",
    "record_study",
    "report_command",
    "study_report",
    "time_lines",
    "verdict_lines",
    "verdict_tags",
]
