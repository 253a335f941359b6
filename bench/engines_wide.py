"""bench/engines.py's wide dense space on the MNIST sample: ranges as wide as a user unsure of the scale writes.

Unlike bench/engines_dense.py (whose every corner trains well), a large part of this space trains badly:
learning rates from 1e-5 to 1 for SGD or Adam, up to 4 layers with up to 80% dropout each. The validation
split is a quarter of the training images (1,000 rather than 400), so a best value is less of a lucky draw.
"""

DATASET = "mnist_sample"
INPUT = "flat"
EPOCHS = 3
BATCH_SIZE = 64
VALIDATION_SPLIT = 0.25


def build_model(hp):
    import keras

    model = keras.Sequential()
    for i in range(hp.Int("layers", 1, 4)):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 16, 512, sampling="log"), activation="relu"))
        model.add(keras.layers.Dropout(hp.Float(f"dropout_{i}", 0.0, 0.8, step=0.1)))
    model.add(keras.layers.Dense(10, activation="softmax"))
    lr = hp.Float("lr", 1e-5, 1.0, sampling="log")
    sgd = hp.Choice("optimizer", ["sgd", "adam"]) == "sgd"
    optimizer = keras.optimizers.SGD(lr) if sgd else keras.optimizers.Adam(lr)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
