"""Each package's ``__all__`` is its documented public API: the table in docs/architecture.md."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def _documented() -> dict[str, set[str]]:
    text = DOC.read_text()
    table = text[text.index("<!-- public-names:start -->") : text.index("<!-- public-names:end -->")]
    out = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            names = cells[2].replace("\\_", "_")
            out[cells[0].strip("`")] = {n.strip() for n in names.split(",") if n.strip()}
    return out


DOCUMENTED = _documented()
PACKAGES = sorted(
    {
        p.parent.name
        for p in (Path(__file__).resolve().parents[1] / "src" / "archsearch").glob("*/__init__.py")
        if not p.parent.name.startswith("_")
    }
    | {"schema", "seeds", "errors", "archsearch"}
)


def test_the_table_names_every_public_package_and_module() -> None:
    assert sorted(DOCUMENTED) == PACKAGES


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_the_documented_api(package: str) -> None:
    module = importlib.import_module(package if package == "archsearch" else f"archsearch.{package}")
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), f"{package}.__all__ lists a name twice"
    missing, undocumented = DOCUMENTED[package] - exported, exported - DOCUMENTED[package]
    assert not (missing or undocumented), (
        f"archsearch.{package}: exported but not in docs/architecture.md's table: {sorted(undocumented)}; "
        f"in the table but not exported: {sorted(missing)}. Update the table (or __all__) so they agree."
    )


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "archsearch"])
def test_every_exported_name_exists(package: str) -> None:
    module = importlib.import_module(f"archsearch.{package}")
    absent = [n for n in module.__all__ if not hasattr(module, n)]
    assert absent == [], f"archsearch.{package}.__all__ names what it does not define: {absent}"


def test_the_lazy_names_of_the_top_level_resolve() -> None:
    import archsearch

    lazy = archsearch._LAZY  # name -> the package that defines it, imported on first use
    assert set(lazy) <= set(archsearch.__all__)
    for name, package in lazy.items():
        assert name in importlib.import_module(package).__all__, f"archsearch.{name}: not public in {package}"


def test_the_table_holds_only_python_names() -> None:
    for package, names in DOCUMENTED.items():
        assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in names), package
