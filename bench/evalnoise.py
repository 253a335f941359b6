"""Cost of storing per-example correctness: the extra validation pass and the packing, next to the fit.

``fit_model`` predicts every validation and test example once after the fit (the
test pass was there before; the validation pass is new), and the objective packs
both vectors into Optuna attributes. This times, per fit of spaces/digits_quick.py's
default model on digits (1,294 train, 144 validation, 359 test examples, 15 epochs):
the fit, the validation pass (``predictions_correct``) and ``pack_correct``;
``--dataset mnist_sample`` or another offline set for larger splits.

    python bench/evalnoise.py --fits 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fits", type=int, default=5)
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()

    import keras_tuner

    from archsearch import train
    from archsearch.analysis import pack_correct
    from archsearch.data import load_dataset
    from archsearch.space import load_space

    space = load_space("spaces/digits_quick.py")
    ds = load_dataset(args.dataset, input="flat", seed=0)
    fit_s, val_s, pack_s = [], [], []
    for seed in range(args.fits):
        train.clear_session()
        train.set_seed(seed)
        model = train.build_model(space, keras_tuner.HyperParameters(), ds)  # the default model
        t = time.perf_counter()
        train.fit_model(model, ds, epochs=args.epochs, batch_size=32, seed=seed)
        fit_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        correct = train.predictions_correct(model, ds.x_val, ds.y_val)
        val_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        pack_correct(correct)
        pack_s.append(time.perf_counter() - t)
    med = statistics.median
    print(
        f"dataset {args.dataset}: {len(ds.y_val)} validation, {len(ds.y_test)} test examples; "
        f"{args.fits} fits of {args.epochs} epochs"
    )
    print(f"fit_model (both passes included): median {med(fit_s):.2f} s")
    print(f"validation pass: median {med(val_s) * 1e3:.1f} ms ({med(val_s) / med(fit_s):.2%} of the fit)")
    print(f"pack_correct: median {med(pack_s) * 1e6:.0f} us")


if __name__ == "__main__":
    main()
