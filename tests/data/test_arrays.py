"""npz:PATH: both layouts, one-hot labels, and bad files."""

from __future__ import annotations

import numpy as np
import pytest

from archsearch.data import load_dataset, load_raw
from archsearch.errors import DatasetError
from tests.data.datafiles import images


def test_train_and_test_arrays_keep_the_test_split(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(
        path, x_train=images(40, (6, 6)), y_train=np.arange(40) % 4, x_test=images(8, (6, 6)), y_test=np.arange(8) % 4
    )
    ds = load_dataset(f"npz:{path}", input="image", validation_split=0.25)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (30, 10, 8)
    assert ds.input_shape == (6, 6, 1)
    load_dataset.cache_clear()


def test_x_y_arrays_with_one_hot_labels_get_a_stratified_test_split(tmp_path):
    path = tmp_path / "xy.npz"
    y = np.repeat(np.arange(2), 25)  # label-sorted
    np.savez(path, x=images(50, (4, 4, 3)), y=np.eye(2)[y])
    ds = load_dataset(f"npz:{path}", input="flat", validation_split=0.2)
    assert sorted(set(ds.y_test)) == [0, 1] and sorted(set(ds.y_val)) == [0, 1]
    assert ds.input_shape == (48,)
    load_dataset.cache_clear()


def test_float_images_in_0_1_are_not_scaled_twice(tmp_path):
    path = tmp_path / "f.npz"
    np.savez(path, x=np.full((20, 4, 4), 0.5, np.float32), y=np.arange(20) % 2)
    ds = load_dataset(f"npz:{path}", input="flat")
    assert np.allclose(ds.x_train, 0.5) and np.allclose(ds.x_test, 0.5)
    load_dataset.cache_clear()


def test_missing_arrays(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, images=np.zeros((2, 4, 4)), labels=np.zeros(2))
    with pytest.raises(
        DatasetError,
        match=r"bad.npz: expected arrays x_train, y_train \(and x_test, y_test\) or x, y, "
        r"but found images, labels; save it with np.savez",
    ):
        load_raw(f"npz:{path}")


def test_labels_that_do_not_match_the_images_in_length(tmp_path):
    path = tmp_path / "len.npz"
    np.savez(path, x=images(10, (4, 4)), y=np.zeros(9, int))
    with pytest.raises(DatasetError, match=r"len.npz: x has 10 images but y has 9 labels; they must match in length"):
        load_raw(f"npz:{path}")


def test_not_an_npz_and_flat_vectors(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(
        DatasetError, match=r"text.npz: not a .npz file \(a zip archive of arrays, as np.savez writes\)"
    ):
        load_raw(f"npz:{tmp_path / 'text.npz'}")
    # A CSV got numpy's "contains pickled (object) data ... keywo", cut mid-word
    (tmp_path / "dig.csv").write_text("0,1,2\n3,4,5\n")
    with pytest.raises(DatasetError, match=r"dig.csv: not a .npz file \(a zip archive of arrays") as err:
        load_raw(f"npz:{tmp_path / 'dig.csv'}")
    assert "pickled" not in str(err.value)
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 a zip that ends early")
    with pytest.raises(DatasetError, match=r"broken.npz: not a"):
        load_raw(f"npz:{tmp_path / 'broken.npz'}")
    np.savez(tmp_path / "flat.npz", x=np.zeros((3, 784)), y=np.zeros(3))
    with pytest.raises(DatasetError, match=r"flat.npz: x has shape \(3, 784\); images must be \(N, H, W\)"):
        load_raw(f"npz:{tmp_path / 'flat.npz'}")
