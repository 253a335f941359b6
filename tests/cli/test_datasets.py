"""`archsearch datasets`, and `archsearch run --dataset` with the loaders' names and prefixes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.cli._main import main
from tests.conftest import TINY_SPACE
from tests.data.datafiles import write_image_folder, write_mnist


def _rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in output.splitlines()[1:] if line.strip()}


def test_lists_every_dataset_with_shape_classes_and_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    result = CliRunner().invoke(cli, ["datasets"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert result.stdout.split()[:5] == ["NAME", "SHAPE", "CLASSES", "OFFLINE", "DESCRIPTION"]
    assert {"digits", "mnist_sample", "mnist", "fashion_mnist", "cifar10", "cifar100", "notmnist"} <= set(rows)
    assert rows["digits"][1:4] == ["8x8x1", "10", "yes"]
    assert rows["cifar10"][1:4] == ["32x32x3", "10", "no"]
    assert rows["mnist"][3] == "no"

    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    write_mnist(tmp_path / "keras" / "datasets")
    result = CliRunner().invoke(cli, ["datasets", "--paths"], catch_exceptions=False)
    mnist = _rows(result.stdout)["mnist"]
    assert mnist[3] == "yes" and mnist[-1] == str(tmp_path / "keras" / "datasets" / "mnist.npz")


def test_help_names_the_environment_variables():
    result = CliRunner().invoke(cli, ["datasets", "--help"], catch_exceptions=False)
    assert "ARCHSEARCH_CACHE" in result.output and "KERAS_HOME" in result.output
    assert "folder:PATH" in result.output and "npz:PATH" in result.output


def test_run_with_a_folder_without_classes_is_a_one_line_error(tmp_path, write_space, capsys):
    space = write_space(TINY_SPACE)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(space), "--dataset", f"folder:{tmp_path / 'empty'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2
    assert err[-1].startswith(f"error: {tmp_path / 'empty'}: no class subfolders")


def test_run_with_an_unknown_dataset_lists_the_names(write_space, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(write_space(TINY_SPACE)), "--dataset", "notmnsit"])
    assert exit_.value.code == 2
    assert "unknown dataset 'notmnsit'. Did you mean 'notmnist'? Known: cifar10" in capsys.readouterr().err


@pytest.mark.slow
def test_run_on_an_image_folder(tmp_path, write_space):
    space = write_space(TINY_SPACE.replace('DATASET = "digits"', 'DATASET = "digits"\nIMAGE_SIZE = (8, 8)'))
    write_image_folder(tmp_path / "letters", classes="ABCDEFGHIJ", per_class=8, broken=True)
    dataset = f"folder:{tmp_path / 'letters'}"
    result = CliRunner().invoke(cli, ["run", str(space), "--trials", "1", "--dataset", dataset], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr
    assert "skipped 3 unreadable, empty or non-image file(s)" in result.stderr
    assert "input 64, 10 classes" in result.stderr
