# keras-tuner examples (mnist / "tune the search" conv model): conv blocks, pooling choice, optimizer choice.
# One change: AveragePooling2D(pool_size=2), as Keras 3 requires pool_size (the Keras 2 example had no argument).
import keras
from keras import layers


def build_model(hp):
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for i in range(hp.Int("conv_layers", 1, 3, default=3)):
        x = layers.Conv2D(
            filters=hp.Int("filters_" + str(i), 4, 32, step=4, default=8),
            kernel_size=hp.Int("kernel_size_" + str(i), 3, 5),
            activation="relu",
            padding="same",
        )(x)
        if hp.Choice("pooling" + str(i), ["max", "avg"]) == "max":
            x = layers.MaxPooling2D()(x)
        else:
            x = layers.AveragePooling2D(pool_size=2)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    if hp.Choice("global_pooling", ["max", "avg"]) == "max":
        x = layers.GlobalMaxPooling2D()(x)
    else:
        x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    optimizer = hp.Choice("optimizer", ["adam", "sgd"])
    model.compile(optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
