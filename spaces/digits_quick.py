"""Quick offline search on scikit-learn's bundled 8x8 digits.

Dense networks of 1-3 hidden layers; width, activation, dropout and learning
rate are searched. About 10 trials, a couple of minutes on 2 CPU cores.
"""

from archsearch import Question

DATASET = "digits"
INPUT = "flat"
EPOCHS = 15
BATCH_SIZE = 32
OBJECTIVE = "val_accuracy"
TRIALS = 10

QUESTIONS = [
    Question("layers", "Does a deeper dense network raise accuracy on digits?", baseline=1),
    Question("activation", "Which activation works best?", baseline="relu"),
]


def build(hp, input_shape, num_classes):
    import keras

    layers = hp.Int("layers", 1, 3, default=1)
    activation = hp.Choice("activation", ["relu", "tanh", "elu"])
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for i in range(layers):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 16, 128, step=16, default=64), activation=activation))
    dropout = hp.Float("dropout", 0.0, 0.4, step=0.1, default=0.0)
    if dropout:
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
