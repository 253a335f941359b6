"""Image folders and archives: notMNIST layout, broken files, the decode cache, bad layouts."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from archsearch.data import _filestat, _images, load_dataset, load_raw
from archsearch.errors import DatasetError
from archsearch.stores import Folders, _folders, cache_dir
from tests.data.datafiles import tar_folder, write_image_folder


def _by_path(raw, written):
    """Rows of raw in the loader's order (sorted class, then file) against what was written."""
    names = sorted(written)
    return np.stack([written[n] for n in names]), np.array([raw.class_names.index(n.split("/")[0]) for n in names])


def test_notmnist_folder_skips_and_counts_broken_files(notmnist_like, caplog):
    root, written = notmnist_like
    raw = load_raw(f"folder:{root}")
    expected_x, expected_y = _by_path(raw, written)
    np.testing.assert_array_equal(raw.x_train, expected_x)
    np.testing.assert_array_equal(raw.y_train, expected_y)
    assert raw.class_names == ["A", "B", "C"] and raw.x_train.dtype == np.uint8
    assert sorted(raw.skipped) == ["A/empty.png", "B/truncated.png", "C/notes.txt"]
    err = "\n".join(caplog.messages)  # the CLI shows them as `warning: ...` lines (tests/cli/test_datasets.py)
    assert f"{root}: skipped 3 unreadable, empty or non-image file(s): A/empty.png, " in err


def test_archive_gives_the_same_arrays_as_the_folder(notmnist_like, tmp_path):
    root, _ = notmnist_like
    archive = tar_folder(root, tmp_path / "notMNIST_small.tar.gz", arcname="notMNIST_small")
    from_folder, from_archive = load_raw(f"folder:{root}"), load_raw(f"folder:{archive}")
    np.testing.assert_array_equal(from_archive.x_train, from_folder.x_train)
    np.testing.assert_array_equal(from_archive.y_train, from_folder.y_train)
    assert from_archive.class_names == from_folder.class_names
    assert len(from_archive.skipped) == 3


def test_second_load_reads_the_cache_without_decoding(notmnist_like, monkeypatch):
    root, _ = notmnist_like
    first = load_raw(f"folder:{root}")
    monkeypatch.setattr(_images, "decode_batch", lambda *a: pytest.fail("decoded again despite a valid cache"))
    second = load_raw(f"folder:{root}")
    assert isinstance(second.x_train, np.memmap)  # memory-mapped .npy, not decoded pixels
    assert str(second.x_train.filename).startswith(str(cache_dir()))
    np.testing.assert_array_equal(second.x_train, first.x_train)
    assert second.skipped == first.skipped


@pytest.fixture(params=["one process", "forked"])
def stat_mode(request, monkeypatch):
    """Run a test with the content key's stats done here, then split over forked children."""
    if request.param == "forked":
        if not hasattr(os, "fork"):
            pytest.skip("needs os.fork")
        monkeypatch.setattr(_filestat, "fork_is_safe", lambda: True)
        monkeypatch.setattr(_filestat, "MIN_NAMES_PER_PROCESS", 1)
        monkeypatch.setattr(_filestat, "_cores", lambda: 3)
    return request.param


def test_changed_files_invalidate_the_cache(notmnist_like, stat_mode):
    root, _ = notmnist_like
    before = load_raw(f"folder:{root}")
    Image.fromarray(np.full((28, 28), 7, np.uint8)).save(root / "C" / "new.png")
    after = load_raw(f"folder:{root}")
    assert len(after.y_train) == len(before.y_train) + 1
    assert (after.x_train[after.y_train == 2] == 7).all(axis=(1, 2)).any()


def test_a_file_rewritten_in_place_invalidates_the_cache(notmnist_like, stat_mode):
    root, written = notmnist_like
    name = sorted(n for n in written if n.startswith("B/"))[0]
    load_raw(f"folder:{root}")
    path = root / name
    st = path.stat()
    with open(path, "r+b") as f:  # same inode, same folder listing: only the file's own stat changes
        Image.fromarray(np.full((28, 28), 201, np.uint8)).save(f, format="PNG")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    after = load_raw(f"folder:{root}")
    row = sorted(written).index(name)
    assert (after.x_train[row] == 201).all()


def test_removed_files_invalidate_the_cache(notmnist_like, stat_mode):
    root, written = notmnist_like
    before = load_raw(f"folder:{root}")
    (root / sorted(written)[0]).unlink()
    assert len(load_raw(f"folder:{root}").y_train) == len(before.y_train) - 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_dangling_links_and_nested_folders_in_a_class_folder_are_ignored(notmnist_like, stat_mode):
    root, written = notmnist_like
    os.symlink(root / "missing.png", root / "A" / "dangling.png")
    (root / "A" / "nested").mkdir()
    raw = load_raw(f"folder:{root}")
    assert len(raw.y_train) == len(written)
    assert "A/dangling.png" not in raw.skipped and "A/nested" not in raw.skipped


def test_parallel_decoding_matches_serial(tmp_path, monkeypatch):
    root = tmp_path / "many"
    write_image_folder(root, classes="AB", per_class=40, broken=True)
    serial = load_raw(f"folder:{root}")
    monkeypatch.setattr(_folders, "_current", Folders(cache=tmp_path / "cache2"))
    monkeypatch.setattr(_images, "_BATCH", 16)
    parallel = _images.load_image_folder(root, workers=2)
    np.testing.assert_array_equal(parallel.x_train, serial.x_train)
    np.testing.assert_array_equal(parallel.y_train, serial.y_train)
    assert parallel.skipped == serial.skipped


def test_rgb_folder_resized_to_the_space_size(tmp_path):
    root = tmp_path / "rgb"
    write_image_folder(root, classes="xy", per_class=4, size=(20, 30), mode="RGB", broken=False)
    raw = load_raw(f"folder:{root}", image_size=(16, 16))
    assert raw.x_train.shape == (8, 16, 16, 3)
    ds = load_dataset(f"folder:{root}", input="image", validation_split=0.25, image_size=(16, 16))
    assert ds.input_shape == (16, 16, 3) and ds.num_classes == 2
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0
    load_dataset.cache_clear()


def test_mixed_sizes_without_a_target_size_is_an_error(tmp_path):
    root = tmp_path / "mixed"
    write_image_folder(root, classes="AB", per_class=2, broken=False)
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(root / "B" / "big.png")
    with pytest.raises(
        DatasetError,
        match=r"mixed: images of mixed sizes \(28x28 and 32x32, e.g. B/big.png\); "
        r"set IMAGE_SIZE = \(height, width\)",
    ):
        load_raw(f"folder:{root}")
    assert load_raw(f"folder:{root}", image_size=(28, 28)).x_train.shape == (5, 28, 28)


def test_mixed_sizes_are_found_beyond_the_probed_files(tmp_path, monkeypatch):
    monkeypatch.setattr(_images, "_PROBE_PER_CLASS", 1)
    root = tmp_path / "late"
    write_image_folder(root, classes="AB", per_class=3, broken=False)
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(root / "B" / "zz.png")
    with pytest.raises(DatasetError, match=r"mixed sizes \(28x28 and 10x12, e.g. B/zz.png\)"):
        load_raw(f"folder:{root}")


def test_folder_without_class_subfolders(tmp_path):
    (tmp_path / "flat").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "flat" / "a.png")
    with pytest.raises(DatasetError, match=r"flat: no class subfolders; an image dataset needs one subfolder"):
        load_raw(f"folder:{tmp_path / 'flat'}")


def test_one_class_only(tmp_path):
    write_image_folder(tmp_path / "one", classes="A", per_class=2, broken=False)
    with pytest.raises(DatasetError, match=r"one: only one class subfolder \(A\); a classification needs at least two"):
        load_raw(f"folder:{tmp_path / 'one'}")


def test_missing_path_and_not_an_archive(tmp_path):
    with pytest.raises(DatasetError, match=r"nowhere: no such folder or archive"):
        load_raw(f"folder:{tmp_path / 'nowhere'}")
    (tmp_path / "x.zip").write_bytes(b"zip")
    with pytest.raises(DatasetError, match=r"x.zip: not a folder or a .tar.gz/.tgz/.tar"):
        load_raw(f"folder:{tmp_path / 'x.zip'}")


def test_notmnist_name_finds_the_archive_in_the_keras_cache(notmnist_like, keras_datasets):
    from archsearch.data import get_info

    root, _ = notmnist_like
    assert not get_info("notmnist").offline()
    with pytest.raises(DatasetError, match=r"notMNIST: neither .*notMNIST_small/ nor .*notMNIST_small.tar.gz exists"):
        load_raw("notmnist")
    tar_folder(root, keras_datasets / "notMNIST_small.tar.gz", arcname="notMNIST_small")
    assert get_info("notmnist").offline()
    raw = load_raw("notmnist")
    assert raw.class_names == ["A", "B", "C"] and len(raw.skipped) == 3
