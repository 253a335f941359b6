"""Keras datasets read from a fake Keras cache (same file names and layout as keras 3)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from archsearch.data import get_info, load_dataset, load_raw
from archsearch.errors import DatasetError
from tests.data.datafiles import write_cifar10, write_cifar100, write_fashion, write_mnist

WRITERS = {"mnist": write_mnist, "fashion_mnist": write_fashion, "cifar10": write_cifar10, "cifar100": write_cifar100}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_reads_the_cached_files_with_their_test_split(keras_datasets, name):
    assert not get_info(name).offline()
    written = WRITERS[name](keras_datasets)
    assert get_info(name).offline()
    raw = load_raw(name)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(raw, key), np.asarray(written[key]).reshape(getattr(raw, key).shape))
    assert raw.x_train.shape[1:] == get_info(name).image_shape[: raw.x_train.ndim - 1]
    assert len(raw.class_names or []) in (0, get_info(name).num_classes)


def test_cifar10_from_a_manually_extracted_archive(keras_datasets):
    written = write_cifar10(keras_datasets, layout="cifar-10-batches-py")
    raw = load_raw("cifar10")
    np.testing.assert_array_equal(raw.x_train, written["x_train"])  # channels last, pixels in place
    assert raw.class_names[0] == "airplane"


def test_cifar100_class_names_come_from_meta(keras_datasets):
    write_cifar100(keras_datasets)
    assert load_raw("cifar100").class_names[:2] == ["c0", "c1"]


def test_load_dataset_keeps_the_test_split_and_scales(keras_datasets):
    written = write_mnist(keras_datasets, n_train=40, n_test=10)
    ds = load_dataset("mnist", input="flat", validation_split=0.25, seed=0)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (30, 10, 10)
    assert ds.input_shape == (784,) and ds.x_train.dtype == np.float32
    np.testing.assert_allclose(ds.x_test, written["x_test"].reshape(10, -1) / 255.0, rtol=1e-6)
    load_dataset.cache_clear()


def test_missing_file_and_failed_download_give_one_line(keras_datasets, monkeypatch):
    import keras

    def offline():
        raise Exception("URL fetch failure on https://example/mnist.npz: None -- [Errno -2] Name or\nservice not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetError) as err:
        load_raw("mnist")
    message = str(err.value)
    assert "\n" not in message
    assert f"{keras_datasets / 'mnist.npz'} is missing and the download failed (URL fetch failure" in message
    assert "set KERAS_HOME" in message


def test_a_download_that_succeeds_is_read_by_our_reader(keras_datasets, monkeypatch):
    import keras

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: write_fashion(keras_datasets))
    assert load_raw("fashion_mnist").x_train.shape == (30, 28, 28)


def test_corrupt_idx_file_names_the_file(keras_datasets):
    write_fashion(keras_datasets)
    bad = keras_datasets / "fashion-mnist" / "t10k-images-idx3-ubyte.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x00\x00\x08\x03" + np.array([10, 28, 28], ">i4").tobytes() + b"short")
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte.gz: header says \(10, 28, 28\).*download it again"):
        load_raw("fashion_mnist")


def test_npz_without_expected_arrays(keras_datasets):
    np.savez(keras_datasets / "mnist.npz", images=np.zeros((2, 28, 28)))
    with pytest.raises(DatasetError, match=r"mnist.npz: has no array\(s\) x_train, y_train, x_test, y_test"):
        load_raw("mnist")


def test_cifar_pickle_with_foreign_globals_is_refused(keras_datasets):
    import pickle

    write_cifar10(keras_datasets)
    target = keras_datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch"
    target.write_bytes(pickle.dumps({b"data": print}))  # a pickle that would import builtins.print
    with pytest.raises(DatasetError, match="test_batch: not a readable CIFAR batch.*not allowed"):
        load_raw("cifar10")
