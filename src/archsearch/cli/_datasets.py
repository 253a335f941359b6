"""``archsearch datasets``: what can be loaded, and whether it is on this machine now."""

from __future__ import annotations

import click


@click.command()
@click.option("--paths", is_flag=True, help="Add a column with where each dataset's files are (or must be put).")
def datasets(paths: bool) -> None:
    """List the datasets a space's DATASET (or `run --dataset`) can name.

    OFFLINE says whether the files are on this machine right now. Missing Keras
    datasets are downloaded on first use where the network allows; notMNIST and
    anything on a machine without network are put in place by hand: the error
    names the file and the folder (see --paths).

    \b
    Environment:
      KERAS_HOME         Keras cache; datasets are read from $KERAS_HOME/datasets
                         (default ~/.keras/datasets), notMNIST_small(.tar.gz) too.
      ARCHSEARCH_CACHE   decoded image folders, memory-mappable (default ~/.cache/archsearch).

    \b
    Also accepted:
      folder:PATH   one subfolder of images per class (or a .tar.gz of it); IMAGE_SIZE resizes
      npz:PATH      arrays x_train, y_train[, x_test, y_test] or x, y
      subset:N:NAME a seeded, stratified N-image sample of NAME (quick checks)
    """
    from archsearch.data import dataset_names, get_info

    header = ("NAME", "SHAPE", "CLASSES", "OFFLINE", "DESCRIPTION") + (("PATH",) if paths else ())
    rows: list[tuple[str, ...]] = [header]
    for name in dataset_names():
        info = get_info(name) if ":" not in name else None
        if info is None:
            continue
        shape = "x".join(str(d) for d in info.image_shape) if info.image_shape else "-"
        row = (name, shape, str(info.num_classes or "-"), "yes" if info.offline() else "no", info.description)
        rows.append(row + ((info.location(),) if paths else ()))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for line in rows:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)] + [line[-1]]
        click.echo("  ".join(cells).rstrip())
    click.echo("folder:PATH and npz:PATH load your own files (see --help).", err=True)
