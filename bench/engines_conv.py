"""bench/engines.py's conv space on the MNIST sample (a keras-tuner style builder)."""

DATASET = "mnist_sample"
INPUT = "image"
EPOCHS = 3
BATCH_SIZE = 64


def build_model(hp):
    import keras

    model = keras.Sequential([keras.Input(shape=(28, 28, 1))])
    model.add(keras.layers.Conv2D(hp.Int("filters", 4, 16, step=4), hp.Choice("kernel", [3, 5]), activation="relu"))
    model.add(keras.layers.MaxPooling2D())
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(hp.Int("units", 16, 64, step=16), activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    lr = hp.Float("lr", 1e-4, 3e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
