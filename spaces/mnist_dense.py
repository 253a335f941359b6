"""Lab L1: MNIST, wider and deeper dense networks, dropout and optimizers.

Dense stacks of 1-4 hidden layers (64-512 units each), a dropout rate of its
own after each layer (0-0.3, 0.25 included), RMSprop / Adam / SGD; batch 128,
10 epochs. The lab's two dense nets are points of this space (REFERENCES):
256 -> Dropout(0.2) -> 256 (L1-dense, 0.9831) and 512 -> Dropout(0.25) -> 256
-> Dropout(0.2) -> 128 -> 64 (L1-deeper, 15 epochs, 0.9854).
"""

from archsearch import Question, blocks
from archsearch.blocks import Per, Reference

DATASET = "mnist"
INPUT = "flat"
EPOCHS = 10
BATCH_SIZE = 128
TRIALS = 30

QUESTIONS = [
    Question("layers", "Does a deeper dense network raise accuracy?", baseline=1),
    Question("units_0", "Does a wider first layer raise accuracy?", baseline=64),
    Question("dropout_0", "Does dropout after the first layer help?", baseline=0.0),
    Question("optimizer", "Which optimizer works best?", baseline="rmsprop"),
]

_RMSPROP = {"optimizer": "rmsprop", "learning_rate": 0.001}
REFERENCES = {
    "L1-dense": Reference(
        {"layers": 2, "units_0": 256, "units_1": 256, "dropout_0": 0.2, "dropout_1": 0.0, **_RMSPROP},
        lab="L1",
        reported="test accuracy 0.9831",
        reported_value=0.9831,
        epochs=10,
        batch_size=128,
        training="RMSprop (lr 0.001), batch 128, 10 epochs",
    ),
    "L1-deeper": Reference(
        {
            "layers": 4,
            "units_0": 512,
            "units_1": 256,
            "units_2": 128,
            "units_3": 64,
            "dropout_0": 0.25,
            "dropout_1": 0.2,
            "dropout_2": 0.0,
            "dropout_3": 0.0,
            **_RMSPROP,
        },
        lab="L1",
        reported="test accuracy 0.9854",
        reported_value=0.9854,
        epochs=15,
        batch_size=128,
        training="RMSprop (lr 0.001), batch 128, 15 epochs",
    ),
}


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.dense_stack(
        hp,
        inputs,
        layers=(1, 4),
        units=[64, 128, 256, 512],
        activation="relu",
        dropout=Per([[0.0, 0.1, 0.2, 0.25, 0.3]]),
    )
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(
        hp, model, optimizer_name=["rmsprop", "adam", "sgd"], learning_rate=blocks.Log(1e-4, 1e-1, default=1e-3)
    )
