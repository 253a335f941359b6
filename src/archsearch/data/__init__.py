"""Datasets: registry, bundled offline sets, seeded stratified splits."""

from archsearch.data._dataset import Dataset, RawData
from archsearch.data._prepare import input_shape_for, prepare
from archsearch.data._registry import (
    DatasetEntry,
    check_dataset_name,
    dataset_label,
    dataset_names,
    get_info,
    load_dataset,
    load_raw,
    register_dataset,
    register_prefix,
)
from archsearch.data._split import stratified_split

__all__ = [
    "Dataset",
    "DatasetEntry",
    "RawData",
    "check_dataset_name",
    "dataset_label",
    "dataset_names",
    "get_info",
    "input_shape_for",
    "load_dataset",
    "load_raw",
    "prepare",
    "register_dataset",
    "register_prefix",
    "stratified_split",
]
