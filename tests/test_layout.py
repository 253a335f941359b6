"""The package layout the README's Development section promises, checked on the source.

Every ``import`` of ``archsearch.<package>`` (at module level or inside a
function) is read with ``ast``; the rules are the README's: imports point down
the layer order below, analysis imports nothing of archsearch, nothing outside
``cli`` imports ``archsearch.cli``, no package imports another package's private
module, and modules stay small.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "archsearch"

# Lowest first: a package may import only packages before it in this list.
LAYERS = [
    "errors",
    "_version",
    "_quiet",
    "_compat",
    "schema",
    "seeds",
    "stores",
    "space",
    "data",
    "analysis",
    "train",
    "blocks",
    "tracking",
    "study",
    "ablation",
    "report",
    "sweep",
    "cli",
]
MAX_LINES = 400


def _imports() -> list[tuple[Path, str, str, int]]:
    """(file, importing package, imported dotted name, line) for every archsearch import."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).parts
        package = rel[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "archsearch":
                    names = [f"archsearch.{alias.name}" for alias in node.names]
                else:
                    names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [(path, package, name, node.lineno) for name in names if name.startswith("archsearch.")]
    return found


IMPORTS = _imports()


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT.parents[1])}:{line}"


def test_the_scan_sees_the_package() -> None:
    packages = {package for _, package, _, _ in IMPORTS}
    assert {"cli", "study", "report", "tracking", "ablation"} <= packages
    assert len(IMPORTS) > 100


def test_imports_point_down_the_layers() -> None:
    upward = []
    for path, package, name, line in IMPORTS:
        target = name.split(".")[1]
        if package not in LAYERS or target == package or target not in LAYERS:
            continue
        if LAYERS.index(target) > LAYERS.index(package):
            upward.append(f"{_where(path, line)}: {package} imports {name}")
    assert upward == []


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in ROOT.glob("*.py") if p.stem not in {"__init__", "__main__"}}
    assert packages | modules <= set(LAYERS), sorted((packages | modules) - set(LAYERS))


def _readme_development() -> str:
    readme = (ROOT.parents[1] / "README.md").read_text()
    return readme[readme.index("## Development") :]


def test_the_readmes_map_names_every_package_and_module() -> None:
    section = _readme_development()
    tree = section[section.index("src/archsearch/") : section.index("```", section.index("src/archsearch/"))]
    listed = {
        line.split()[0].rstrip("/").removesuffix(".py")
        for line in tree.splitlines()[1:]
        if line.startswith("  ") and not line.startswith("    ")
    }
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    public_modules = {p.stem for p in ROOT.glob("*.py") if not p.stem.startswith("_")}
    assert listed == packages | public_modules


def test_the_readme_states_the_layer_order_checked_here() -> None:
    section = " ".join(_readme_development().split())
    stated = section[section.index("lowest first: ") + len("lowest first: ") :].split(";")[0]
    assert [name.strip() for name in stated.split(",")] == [n for n in LAYERS if not n.startswith("_")]


def test_analysis_is_pure() -> None:
    impure = [
        f"{_where(p, line)}: {name}"
        for p, package, name, line in IMPORTS
        if package == "analysis" and not name.startswith("archsearch.analysis")
    ]
    assert impure == []


def test_only_cli_imports_cli() -> None:
    outside = [
        f"{_where(p, line)}: {name}"
        for p, package, name, line in IMPORTS
        if name.startswith("archsearch.cli") and package not in {"cli", "__main__"}
    ]
    assert outside == []


def test_no_package_reaches_into_another_packages_private_module() -> None:
    private = []
    for path, package, name, line in IMPORTS:
        parts = name.split(".")
        if len(parts) > 2 and parts[1] != package and parts[2].startswith("_"):
            private.append(f"{_where(path, line)}: {package} imports {name}")
    assert private == []


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) < MAX_LINES


def test_only_the_command_line_reads_the_environment() -> None:
    # The library takes values (stores.Folders, RunOptions, run_workers' env); cli/_env.py reads them.
    readers = [
        f"{_where(path, number)}: {line.strip()}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.relative_to(ROOT).parts[0] != "cli"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(word in line for word in ("os.environ", "getenv", "putenv", "unsetenv"))
    ]
    assert readers == []
