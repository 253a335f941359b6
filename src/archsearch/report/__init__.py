"""Reports: verdicts with intervals, best trials, importance; Markdown, HTML, JSON and MLflow."""

from archsearch.report._build import SCHEMA, Report, analysis_table, answer_kind, build_report, format_effect
from archsearch.report._summary import study_report, verdict_lines

__all__ = ["SCHEMA", "Report", "analysis_table", "answer_kind", "build_report", "format_effect", "study_report",
           "verdict_lines"]
