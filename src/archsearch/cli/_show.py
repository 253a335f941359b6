"""``archsearch show SPACE``: what a space searches, without training."""

from __future__ import annotations

from typing import Any

import click


@click.command()
@click.argument("space", type=click.Path(dir_okay=False, path_type=str))
@click.option("--dataset", metavar="NAME", help="Show the space on another dataset than it declares.")
@click.option(
    "--summary/--no-summary",
    default=True,
    show_default=True,
    help="Print the Keras summary of the models built with every hyperparameter's min, default and max value.",
)
@click.option(
    "--reference",
    metavar="NAME",
    help="Show one of the space's REFERENCES (a lab's own model): its layers, counts and pitfalls.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='With --reference: print {"params": N, "layers": [...]} as JSON (batch axis and InputLayer left out).',
)
def show(space: str, dataset: str | None, summary: bool, reference: str | None, as_json: bool) -> None:
    """Print what SPACE searches, without training.

    The dataset and training settings, every hyperparameter with its range
    and condition, the questions, and the architectures built with every
    hyperparameter at its min, default and max value (a choice's first, default
    and last), with their parameter counts.

    Exits 2 after the listing when `run` would refuse the space: a question
    about no declared hyperparameter or with a baseline outside its values, or
    a builder that raises with the default values (one `error:` line each).
    A builder that returns no keras.Model, or one whose input or output does not
    fit the data, is one `error:` line.

    \b
    Example:
      archsearch show spaces/cifar_depth.py --no-summary
      archsearch show spaces/cifar_alexnet.py --reference L4-depth --json
    """
    from archsearch.errors import UsageError
    from archsearch.space import load_space
    from archsearch.study import declared, declared_when, input_shape, probe_builds, question_error

    loaded = load_space(space)
    if as_json and reference is None:
        raise UsageError("--json needs --reference NAME (e.g. --reference L4-base).")
    if reference is not None:
        _show_reference(loaded, reference, dataset, as_json)
        return
    spec = dataset or loaded.dataset
    shape, num_classes = input_shape(loaded, spec)
    out = click.echo
    out(f"space      {loaded.path}")
    if loaded.description:
        out(f"           {loaded.description.splitlines()[0]}")
    out(f"dataset    {spec}: input {'x'.join(map(str, shape))} ({loaded.input}), {num_classes} classes")
    out(
        f"training   {loaded.epochs} epochs, batch {loaded.batch_size}, validation {loaded.validation_split:g}, "
        f"{loaded.trials} trials, {loaded.direction} {loaded.objective}"
    )
    builds = probe_builds(loaded, shape, num_classes, values_per_parent=16)
    params = declared(builds)
    when = declared_when(loaded, shape, num_classes, builds)
    out(f"\nhyperparameters ({len(params)})")
    width = max((len(n) for n in params), default=0)
    for name, param in params.items():
        only = f"; declared only {when[name]}" if name in when else ""
        out(f"  {name:<{width}}  {param.describe()}{only}")
    out(f"\nquestions ({len(loaded.questions)})")
    errors = []  # what `run` refuses: said after everything that can be shown, exit 2
    for q in loaded.questions:
        base = "" if q.baseline is None else f" (baseline {q.baseline!r})"
        wrong = question_error(q, params)
        if wrong:
            errors.append(f"{loaded.path}: {wrong}")
        out(f"  {q.param}: {q.text}{base}{'  [error: see below]' if wrong else ''}")
    out("\narchitectures (every hyperparameter at its min, default or max value; a choice's first, default or last)")
    for b in builds[:3]:
        if b.error:
            out(f"  {b.label:<8}  could not build: {b.error}")
            continue
        out(f"  {b.label:<8}  {b.count:>12,} parameters  {_fmt(b.values)}")
    if summary:
        for b in builds[:3]:
            if b.model is not None:
                out(f"\n{b.label} model:")
                b.model.summary(print_fn=lambda line, *a, **k: out(line))
    default = next(b for b in builds if b.label == "default")
    if default.exception is not None:  # `run` and `ask` stop on it before any trial: the same line
        errors.insert(0, str(loaded.raised(default.exception, "build() with the default values")))
    if errors:  # in the order found; the last one is the command's error (exit 2)
        for line in errors[:-1]:
            click.echo(f"error: {line}", err=True)
        raise UsageError(errors[-1])


def _show_reference(space: Any, name: str, dataset: str | None, as_json: bool) -> None:
    """One reference model: its layer table, settings and the lab mistakes it keeps."""
    import json

    from archsearch.blocks import reference_summary
    from archsearch.study import input_shape

    info = reference_summary(space, name, *input_shape(space, dataset))
    model = info.pop("model")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "params": info["params"],
                    "layers": [{k: row[k] for k in ("layer", "output_shape", "params")} for row in info["layers"]],
                }
            )
        )
        return
    out = click.echo
    out(f"reference  {name} of {space.path}: {info['params']:,} parameters")
    if info["lab"]:
        out(f"lab        {info['lab']}: reported {info['reported'] or 'nothing'}")
    elif info["reported"]:  # no lab named: the line says what was reported, not "lab        : ..."
        out(f"reported   {info['reported']}")
    out(
        f"training   {info['epochs']} epochs, batch {info['batch_size']}"
        + (f"; the lab: {info['training']}" if info["training"] else "")
    )
    out(f"values     {_fmt(info['values'])}")
    width = max(len(row["spec"]) for row in info["layers"])
    out("\nlayers")
    for row in info["layers"]:
        shape = "(" + ", ".join(map(str, row["output_shape"])) + ("," if len(row["output_shape"]) == 1 else "") + ")"
        out(f"  {row['spec']:<{width}}  {shape:<16} {row['params']:>12,}")
    out(f"  {'total':<{width}}  {'':<16} {info['params']:>12,}")
    if info["pitfalls"]:
        out("\npitfalls (the lab's mistakes this reference keeps or names)")
        for text in info["pitfalls"]:
            out(f"  - {text}")
    del model
    import keras

    keras.backend.clear_session()


def _fmt(values: dict[str, Any]) -> str:
    from archsearch.study import format_params

    return format_params(values, limit=12)
