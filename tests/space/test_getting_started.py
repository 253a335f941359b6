"""keras-tuner's getting-started builders run unchanged as space files (tests/space/getting_started/).

Each fixture is a builder as keras-tuner's docs write it. The test writes a
space file that is the fixture's text with only settings added around it
(what keras-tuner's tuner would be given instead: dataset, objective, the
HyperModel's constructor arguments), loads it, and trains it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archsearch.space import load_space

FIXTURES = Path(__file__).parent / "getting_started"

# fixture -> (settings before the builder, lines after it)
SETTINGS: dict[str, tuple[str, str]] = {
    "readme_regression": ('DATASET = "digits"\nINPUT = "flat"\nOBJECTIVE = "val_loss"\n', ""),
    "guide_units": ('DATASET = "digits"\n', ""),
    "guide_layers": ('DATASET = "digits"\n', ""),
    "guide_existing_code": ('DATASET = "digits"\n', ""),
    "guide_hypermodel_shuffle": ('DATASET = "digits"\n', ""),
    "guide_hypermodel_preprocess": ('DATASET = "digits"\nOBJECTIVE = "val_loss"\n', ""),
    "guide_custom_objective": (
        'DATASET = "digits"\nINPUT = "flat"\nOBJECTIVE = "default_objective"\nDIRECTION = "min"\n',
        "",
    ),
    "guide_custom_dict": ('DATASET = "digits"\nINPUT = "flat"\nOBJECTIVE = "metric_a"\nDIRECTION = "max"\n', ""),
    "helloworld_build_model": ('DATASET = "mnist_sample"\n', ""),
    "helloworld_hypermodel": ('DATASET = "mnist_sample"\n', "\nHYPERMODEL = MyHyperModel(classes=10)\n"),
    "mnist_conv": ('DATASET = "mnist_sample"\n', ""),
}
HYPERMODELS = {
    "guide_hypermodel_shuffle",
    "guide_hypermodel_preprocess",
    "guide_custom_objective",
    "guide_custom_dict",
    "helloworld_hypermodel",
}
CUSTOM_FIT = HYPERMODELS - {"helloworld_hypermodel"}


def test_every_fixture_is_covered():
    assert {p.stem for p in FIXTURES.glob("*.py")} == set(SETTINGS)


def _space_file(tmp_path: Path, name: str) -> Path:
    before, after = SETTINGS[name]
    builder = (FIXTURES / f"{name}.py").read_text()
    path = tmp_path / f"{name}.py"
    path.write_text(before + builder + after)
    assert builder in path.read_text()  # the builder itself is unchanged
    return path


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_fixture_loads_and_builds_its_default_model(tmp_path, name):
    from archsearch import train
    from archsearch.data import load_dataset
    from archsearch.space import FixedHyperParameters

    space = load_space(_space_file(tmp_path, name))
    assert (space.hypermodel is not None) == (name in HYPERMODELS)
    assert space.custom_fit == (name in CUSTOM_FIT)
    data = load_dataset(space.dataset, input=space.input)
    hp = FixedHyperParameters()
    model = train.build_model(space, hp, data)
    assert model.count_params() > 0
    assert hp.values  # the builder declared its hyperparameters on archsearch's hp
    train.clear_session()


def test_a_hypermodel_without_arguments_for_its_constructor_is_refused_with_the_fix(tmp_path):
    from archsearch.errors import SpaceError

    path = tmp_path / "hello.py"
    path.write_text((FIXTURES / "helloworld_hypermodel.py").read_text())
    with pytest.raises(SpaceError, match=r"MyHyperModel\(\) needs arguments.*HYPERMODEL = MyHyperModel"):
        load_space(path)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_fixture_runs_one_trial_of_one_epoch(tmp_path, name):
    import optuna

    from archsearch.study import RunOptions, run_search

    path = _space_file(tmp_path, name)
    result = run_search(path, RunOptions(trials=1, epochs=1, quiet=True))
    assert result.finished == 1 and result.failed == 0, result.summary()
    study = optuna.load_study(study_name=name, storage=result.storage)
    trial = study.best_trial
    assert trial.params  # the trial's values were sampled by Optuna and recorded
    assert trial.user_attrs["history"]  # curves were recorded, also through a HyperModel.fit override
    space = load_space(path)
    if name == "guide_custom_dict":  # the objective is the returned dict's entry, as keras-tuner reads it
        assert trial.value == pytest.approx(trial.user_attrs["metrics"]["metric_a"])
    if space.objective == "val_accuracy":
        assert 0 <= trial.value <= 1
    elif space.direction == "minimize":  # val_loss, mean absolute error
        assert trial.value >= 0
    else:  # metric_a: minus a mean absolute error
        assert trial.value <= 0
