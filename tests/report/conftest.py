"""Shared fixtures for the report tests: one storage with a synthetic search and ablation study."""

from __future__ import annotations

import pytest

from tests.report.studies import ablation_study, search_study


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("studies")
    url = f"sqlite:///{tmp}/o.db"
    search_study(url)
    ablation_study(url)
    return url
