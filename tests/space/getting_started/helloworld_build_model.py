# keras-tuner examples/helloworld.py: the plain build_model on 28x28 MNIST images.
import keras
from keras import layers


def build_model(hp):
    model = keras.Sequential()
    model.add(layers.Flatten(input_shape=(28, 28)))
    for i in range(hp.Int("num_layers", 2, 20)):
        model.add(layers.Dense(units=hp.Int("units_" + str(i), 32, 512, 32), activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
