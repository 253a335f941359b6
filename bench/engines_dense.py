"""bench/engines.py's dense space on the MNIST sample (a keras-tuner style builder)."""

DATASET = "mnist_sample"
INPUT = "flat"
EPOCHS = 3
BATCH_SIZE = 64


def build_model(hp):
    import keras

    model = keras.Sequential()
    for i in range(hp.Int("layers", 1, 2)):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 16, 256, step=16), activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    lr = hp.Float("lr", 1e-4, 3e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
