"""Load a space file: a Python module with a dataset, settings, questions and ``build``.

A space file looks like this (see ``spaces/digits_quick.py``)::

    \"\"\"Does a deeper dense network help on digits?\"\"\"
    from archsearch import Question

    DATASET = "digits"          # a registered name, "folder:PATH" or "npz:PATH"
    INPUT = "flat"              # "flat" (vectors) or "image" (H, W, C)
    EPOCHS = 10
    BATCH_SIZE = 32
    OBJECTIVE = "val_accuracy"  # a Keras history key or kt.Objective; direction inferred as keras-tuner does
    TRIALS = 10
    QUESTIONS = [Question("layers", "Does a deeper dense network help?", baseline=1)]

    def build(hp, input_shape, num_classes):
        ...  # keras-tuner hp API; return a keras.Model (compiled or not)

Instead of ``build`` (or keras-tuner's ``build_model(hp)``), a file may define a
``keras_tuner.HyperModel`` subclass (made with no arguments) or instance
(``HYPERMODEL = MyHyperModel(classes=10)`` when there are several): its
``build(hp)`` builds each trial's model and a ``fit(hp, model, *args, **kwargs)``
override trains it (see ``archsearch.train.fit_hypermodel``).

Loading a space never imports TensorFlow: the builder imports Keras itself.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import importlib.util
import inspect
import logging
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from archsearch.errors import SpaceError
from archsearch.space._objective import read_objective
from archsearch.space._question import Question

__all__ = ["Space", "load_space"]

_INPUTS = ("flat", "image")
_BUILD_ARGS = ("hp", "input_shape", "num_classes")
# The upper-case names archsearch reads from a space file (REFERENCES: archsearch.blocks.space_references).
SETTINGS = (
    "DATASET",
    "INPUT",
    "IMAGE_SIZE",
    "EPOCHS",
    "BATCH_SIZE",
    "OBJECTIVE",
    "DIRECTION",
    "TRIALS",
    "VALIDATION_SPLIT",
    "QUESTIONS",
    "HYPERMODEL",
    "REFERENCES",
)
logger = logging.getLogger("archsearch.space")
_warned: set[tuple[str, str]] = set()  # (file, name): said once per process, however often the file loads


@dataclasses.dataclass
class Space:
    """A loaded space file.

    Attributes:
        path: the file it came from.
        name: the file's stem; the default study and MLflow experiment name.
        build: the model builder.
        dataset: dataset spec (``"digits"``, ``"folder:PATH"``, ``"npz:PATH"``).
        input: ``"flat"`` or ``"image"``.
        image_size: ``(height, width)`` images are resized to, or None.
        epochs, batch_size: training settings.
        objective, direction: the Keras metric the study optimizes and its direction.
        trials: default number of finished trials.
        questions: what the report answers.
        sha256: content hash of the file (logged as a tag).
        description: the module docstring.
        hypermodel: the file's ``keras_tuner.HyperModel``, or None (``build`` is then its ``build``).
    """

    path: Path
    name: str
    build: Callable[..., Any]
    dataset: str = "digits"
    input: str = "image"
    image_size: tuple[int, int] | None = None
    epochs: int = 10
    batch_size: int = 32
    objective: str = "val_accuracy"
    direction: str = "maximize"
    trials: int = 20
    validation_split: float = 0.1
    questions: list[Question] = dataclasses.field(default_factory=list)
    sha256: str = ""
    description: str = ""

    hypermodel: Any = None

    @property
    def custom_fit(self) -> bool:
        """The space's ``keras_tuner.HyperModel`` overrides ``fit``: trials train through it."""
        if self.hypermodel is None:
            return False
        import keras_tuner  # loaded already: the space file made the HyperModel

        return type(self.hypermodel).fit is not keras_tuner.HyperModel.fit

    def raised(self, err: BaseException, doing: str) -> SpaceError:
        """One line for an exception the space's own code raised: its line in the space file, the exception, and
        what archsearch was doing (``"build() with the default values"``)."""
        return _raised_in(self.path, err, doing)

    def call_build(self, hp: Any, input_shape: tuple[int, ...], num_classes: int) -> Any:
        """Call the builder with the arguments its signature asks for."""
        offered = {"hp": hp, "input_shape": tuple(input_shape), "num_classes": num_classes}
        params = inspect.signature(self.build).parameters
        if self.hypermodel is not None:  # HyperModel.build(hp), as keras-tuner calls it (its wrapper takes **kwargs)
            offered = {"hp": hp}
        elif not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            offered = {k: v for k, v in offered.items() if k in params}
        try:
            return self.build(**offered)
        except SpaceError as err:  # keras-tuner refused a declaration: say which file
            if str(err).startswith(str(self.path)):
                raise
            raise type(err)(f"{self.path}: {err}") from err


def load_space(path: str | Path) -> Space:
    """Import a space file and validate what it declares.

    Raises:
        SpaceError: the file is missing, does not import, or declares something
            invalid. The message names the file (and line) and the fix.

    Example:
        >>> space = load_space("spaces/digits_quick.py")
        >>> space.dataset, space.direction
        ('digits', 'maximize')
    """
    path = Path(path)
    if not path.is_file():
        hint = "it is a folder" if path.is_dir() else "no such file"
        raise SpaceError(
            f"{path}: cannot load the space file ({hint}). Pass the path of a .py space file, "
            "e.g. spaces/digits_quick.py."
        )
    if path.suffix != ".py":  # Python imports a module only from a .py file
        raise SpaceError(
            f"{path}: a space file is a Python module; give the path of a .py file, e.g. spaces/digits_quick.py."
        )
    source = path.read_bytes()
    module = _import(path, source)
    namespace = vars(module)
    build = namespace.get("build")
    if build is None and callable(namespace.get("build_model")):
        build = namespace["build_model"]  # a keras-tuner file, unchanged
    hypermodel = None
    if not callable(build):
        hypermodel = _hypermodel(path, module)
        build = None if hypermodel is None else hypermodel.build
    if not callable(build):
        raise SpaceError(
            f"{path}: no builder. Define `def build(hp, input_shape, num_classes): ...` "
            "returning a keras.Model, or a keras_tuner.HyperModel subclass."
        )
    _check_build_signature(path, build)
    _warn_misspelled_settings(path, namespace)
    settings = _settings(path, namespace)
    return Space(
        path=path,
        name=path.stem,
        build=build,
        sha256=hashlib.sha256(source).hexdigest(),
        description=(module.__doc__ or "").strip(),
        hypermodel=hypermodel,
        **settings,
    )


def _hypermodel(path: Path, module: Any) -> Any:
    """The file's ``keras_tuner.HyperModel``: ``HYPERMODEL``, else an instance, else a subclass defined there.

    keras-tuner is only looked at when the file imported it, so loading other
    space files stays free of TensorFlow.
    """
    kt = sys.modules.get("keras_tuner")
    if kt is None:
        return None
    namespace = vars(module)
    named = namespace.get("HYPERMODEL")
    if isinstance(named, kt.HyperModel):
        return named
    instances = [v for k, v in namespace.items() if isinstance(v, kt.HyperModel) and not k.startswith("_")]
    if len(instances) == 1:
        return instances[0]
    classes = [
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, kt.HyperModel) and v.__module__ == module.__name__
    ]
    if len(instances) > 1 or len(classes) > 1:
        raise SpaceError(f"{path}: several keras_tuner.HyperModel objects; set HYPERMODEL = ... to the one to search.")
    if not classes:
        return None
    try:
        return classes[0]()
    except TypeError as err:
        raise SpaceError(
            f"{path}: {classes[0].__name__}() needs arguments ({err}); set "
            f"HYPERMODEL = {classes[0].__name__}(...) in the space file."
        ) from None


def _import(path: Path, source: bytes) -> Any:
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as err:
        raise SpaceError(f"{path}:{err.lineno}: syntax error in the space file: {err.msg}.") from None
    module_name = f"archsearch_space_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[module_name] = module  # dataclasses and pickling look modules up here
    try:
        exec(code, vars(module))
    except Exception as err:  # the user's module raised while importing
        del sys.modules[module_name]
        raise _raised_in(path, err, "the space file") from err
    return module


def _raised_in(path: Path, err: BaseException, doing: str) -> SpaceError:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == str(path)]
    line = f":{frames[-1].lineno}" if frames else ""
    return SpaceError(f"{path}{line}: {doing} raised {type(err).__name__}: {err}")


def _check_build_signature(path: Path, build: Callable[..., Any]) -> None:
    try:
        params = inspect.signature(build).parameters
    except (TypeError, ValueError):
        return
    unknown = [
        n
        for n, p in params.items()
        if n not in _BUILD_ARGS and p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if unknown:
        raise SpaceError(
            f"{path}: build() has required argument(s) {', '.join(unknown)}; "
            f"it may only ask for {', '.join(_BUILD_ARGS)}."
        )


def _warn_misspelled_settings(path: Path, ns: Mapping[str, Any]) -> None:
    """An upper-case name close to a setting (``EPOCH``, ``DATASETS``, ``QUESTION``) is most likely that setting
    misspelled, which archsearch would ignore without a word: one warning line each (the file is not refused)."""
    for name in ns:
        if not name.isupper() or name in SETTINGS or (str(path), name) in _warned:
            continue
        # Same first letter: MATCH_SIZE (cifar_alexnet.py's own constant) is no BATCH_SIZE.
        close = [c for c in difflib.get_close_matches(name, SETTINGS, n=1, cutoff=0.85) if c[0] == name[0]]
        if close:
            _warned.add((str(path), name))
            logger.warning(f"{path}: {name} is not a setting archsearch reads and is ignored; did you mean {close[0]}?")


def _settings(path: Path, ns: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    dataset = ns.get("DATASET", "digits")
    if not isinstance(dataset, str) or not dataset:
        raise SpaceError(f"{path}: DATASET must be a dataset name string, but got {dataset!r}.")
    out["dataset"] = dataset
    kind = ns.get("INPUT", "image")
    if kind not in _INPUTS:
        raise SpaceError(f"{path}: INPUT must be one of {', '.join(_INPUTS)}, but got {kind!r}.")
    out["input"] = kind
    size = ns.get("IMAGE_SIZE")
    if size is not None:
        if not isinstance(size, list | tuple) or len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size):
            raise SpaceError(f"{path}: IMAGE_SIZE must be (height, width) positive integers, but got {size!r}.")
        out["image_size"] = tuple(size)
    for key, attr in (("EPOCHS", "epochs"), ("BATCH_SIZE", "batch_size"), ("TRIALS", "trials")):
        if key in ns:
            value = ns[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpaceError(f"{path}: {key} must be a positive integer, but got {value!r}.")
            out[attr] = value
    if "VALIDATION_SPLIT" in ns:
        value = ns["VALIDATION_SPLIT"]
        if not isinstance(value, float) or not 0 < value < 1:
            raise SpaceError(f"{path}: VALIDATION_SPLIT must be a fraction in (0, 1), but got {value!r}.")
        out["validation_split"] = value
    out["objective"], out["direction"] = read_objective(path, ns.get("OBJECTIVE", "val_accuracy"), ns.get("DIRECTION"))
    out["questions"] = _questions(path, ns.get("QUESTIONS", []))
    return out


def _questions(path: Path, raw: Any) -> list[Question]:
    if isinstance(raw, Mapping):  # {"layers": "Does depth help?"}
        raw = [Question(param, text) for param, text in raw.items()]
    if not isinstance(raw, list | tuple):
        raise SpaceError(f"{path}: QUESTIONS must be a list of archsearch.Question, but got {type(raw).__name__}.")
    out = []
    for item in raw:
        if isinstance(item, Question):
            out.append(item)
        elif isinstance(item, Mapping) and "param" in item and "text" in item:
            out.append(Question(item["param"], item["text"], item.get("baseline")))
        else:
            raise SpaceError(
                f"{path}: each entry of QUESTIONS must be Question(param, text[, baseline]), but got {item!r}."
            )
    return out
