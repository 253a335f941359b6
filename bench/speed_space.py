"""Benchmark space: a small dense model on digits whose size does not depend on the sampled values.

Only the learning rate is searched, so every mode of bench/speed.py trains the
same architecture and the wall-time difference is the tool's overhead.
"""

DATASET = "digits"
INPUT = "flat"
EPOCHS = 15
BATCH_SIZE = 32
TRIALS = 6


def build(hp, input_shape, num_classes):
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
