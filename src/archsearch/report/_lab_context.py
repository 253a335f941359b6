"""What a report says about the lab behind an ablation: the base reference, the lab's numbers and mistakes, the data.

An ablation asked with ``--base reference:NAME`` varies one factor around a
lab's own model. Its report names that model, what the lab reported for it and
for every level that is another of the space's references, the lab mistakes
those models keep (a softmax hidden layer, logits with a softmax output, a
label-sorted validation split: what each does), and the data it trained on,
saying plainly when that was a stand-in of the lab's dataset's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from archsearch.analysis import counted

if TYPE_CHECKING:
    from archsearch.space import Space

__all__ = ["dataset_context", "lab_context", "level_references"]


def dataset_context(name: str | None) -> dict[str, Any] | None:
    """``{"name", "description", "stand_in_for"}`` of a registered dataset (``stand_in_for`` None: the real data).

    Example:
        >>> dataset_context("cifar10_standin")["stand_in_for"]
        'cifar10'
    """
    if not name:
        return None
    from archsearch.data import dataset_label
    from archsearch.errors import DatasetError

    try:
        description, stand_in = dataset_label(name)
    except DatasetError:
        description, stand_in = "", None
    return {"name": name, "description": description, "stand_in_for": stand_in}


def level_references(space: Space, design: Mapping[str, Any]) -> dict[str, str]:
    """Level (as text) -> the name of the space's reference that level is, for an ablation's design.

    A reference is a level when every value it sets equals the level's
    configuration (the design's base with the factor at that level).

    Example:
        >>> level_references(load_space("spaces/cifar_alexnet.py"),
        ...                  {"factor": "filters", "levels": [32, 64], "base": {"model": "cnn", "blocks": 3}})
        ... # doctest: +SKIP
        {'32': 'L4-base', '64': 'L4-width'}
    """
    return {lv: name for lv, (name, differs) in _level_matches(space, design).items() if not differs}


def _level_matches(space: Space, design: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Level -> (reference, the values where the reference differs from the level's configuration).

    A reference whose factor value is the level is a match; an exact one (no
    difference) wins over one that the ablation holds at other values (e.g. the
    lab's CNN trained with Adam, asked here with the base's RMSprop).
    """
    from archsearch.blocks import space_references

    factor, base = str(design.get("factor")), dict(design.get("base") or {})
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for level in design.get("levels") or []:
        config = {**base, factor: level}
        for name, ref in space_references(space).items():
            if factor not in ref.values or str(ref.values[factor]) != str(level):
                continue
            differs = {k: v for k, v in ref.values.items() if k in config and str(config[k]) != str(v)}
            if str(level) not in out or (out[str(level)][1] and not differs):
                out[str(level)] = (name, differs)
    return out


def lab_context(
    space: Space | None, design: Mapping[str, Any], *, build: bool = True, table: Any = None
) -> dict[str, Any] | None:
    """The report's ``lab`` entry for an ablation (None for a search, or without a space).

    Keys: ``reference`` (the base reference's name or None), ``lab``,
    ``references`` (per reference involved: ``name``, ``level`` (the level it
    is, or None for the base), ``differs`` (values where the reference differs
    from that level as asked, held at the base's here), ``reported``,
    ``reported_value``, ``training``, ``pitfalls``), ``dataset``
    (:func:`dataset_context`), ``epochs``, ``batch_size``. With ``build``, the
    references are built (no training) so that mistakes visible in the model
    (a softmax hidden layer, a loss that does not match the output) are named.

    A reference that differs from a level only in training values (the lab's
    CNN trained with Adam, asked here at the base's RMSprop) is listed with
    ``differs`` when ``table`` (the study's trials) shows that level has the
    reference's parameter count: the same model, trained otherwise.
    """
    if space is None or design.get("kind") != "ablation":
        return None
    from archsearch.blocks import space_references

    refs = space_references(space)
    base_name = design.get("reference")
    matches = _level_matches(space, design) if refs else {}
    built = {
        name: _built(space, name, design) if build else ([], None)
        for name in dict.fromkeys([design.get("reference"), *(n for n, _ in matches.values())])
        if name in refs
    }
    sizes = _level_sizes(table, design.get("factor"))
    matches = {
        lv: (name, differs)
        for lv, (name, differs) in matches.items()
        if not differs or (built[name][1] is not None and sizes.get(lv) == built[name][1])
    }
    levels = {lv: name for lv, (name, _) in matches.items()}
    names = [n for n in [base_name, *levels.values()] if n]
    if not names and not design.get("dataset"):
        return None
    involved = []
    for name in dict.fromkeys(names):
        ref = refs.get(name)
        if ref is None:
            continue
        level = next((lv for lv, n in levels.items() if n == name), None)
        involved.append(
            {
                "name": name,
                "level": level,
                "differs": matches[level][1] if level is not None else {},
                "lab": ref.lab,
                "reported": ref.reported,
                "reported_value": ref.reported_value,
                "training": ref.training,
                "params": built[name][1],
                "pitfalls": [*built[name][0], *ref.pitfalls],
            }
        )
    lab = next((r["lab"] for r in involved if r["lab"]), "")
    return {
        "reference": base_name,
        "lab": lab,
        "references": involved,
        "dataset": dataset_context(design.get("dataset") or space.dataset),
        "epochs": design.get("epochs"),
        "batch_size": design.get("batch_size"),
    }


def _level_sizes(table: Any, factor: Any) -> dict[str, int]:
    """Level (as text) -> the parameter count its complete trials had (from a study's trial table)."""
    column = f"params_{factor}"
    if table is None or column not in getattr(table, "columns", ()) or "params_count" not in table.columns:
        return {}
    done = table[(table["state"] == "COMPLETE") & table["params_count"].notna()]
    return {str(lv): int(v) for lv, v in done.groupby(column)["params_count"].median().items()}


def _built(space: Space, name: str, design: Mapping[str, Any]) -> tuple[list[str], int | None]:
    """The mistakes visible in reference ``name`` as built for the design's dataset, and its parameter count;
    ``([], None)`` if it cannot be built."""
    from archsearch.blocks import build_reference, model_pitfalls
    from archsearch.errors import ArchsearchError
    from archsearch.study import input_shape

    try:
        shape, classes = input_shape(space, design.get("dataset") or None)
        model, _ = build_reference(space, name, shape, classes)
    except (ArchsearchError, ValueError):
        return [], None
    found, count = model_pitfalls(model), int(model.count_params())
    del model
    import keras

    keras.backend.clear_session()
    return found, count


def lab_lines(lab: Mapping[str, Any] | None) -> list[str]:
    """Markdown lines for the report's summary (none without a lab context)."""
    if not lab:
        return []
    lines = []
    data = lab.get("dataset") or {}
    if data.get("stand_in_for"):
        lines.append(
            f"> **Stand-in data:** trained on `{data['name']}`, {data['description']}. The effects below "
            f"are about this stand-in, not about {data['stand_in_for']}."
        )
    elif data:
        lines.append(f"Data: `{data['name']}`" + (f" ({data['description']})" if data.get("description") else "") + ".")
    if lab.get("epochs"):
        lines.append(f"Training: {counted(int(lab['epochs']), 'epochs')}, batch {lab.get('batch_size')}.")
    for r in lab.get("references", []):
        role = "base" if r["name"] == lab.get("reference") else f"level {r['level']}"
        if r.get("differs"):
            held = ", ".join(f"{k}={v}" for k, v in r["differs"].items())
            role += f"; the same model, which the lab trained with {held} (held at the base's value here)"
        reported = f": the lab reported {r['reported']}" if r["reported"] else ""
        training = f" (lab training: {r['training']})" if r["training"] else ""
        lines.append(f"Reference `{r['name']}` ({role}, lab {r['lab'] or '?'}){reported}{training}.")
        lines += [f"- Pitfall of `{r['name']}`: {p}" for p in r["pitfalls"]]
    return lines
