"""Lab L1: MNIST, the lab's three models side by side: dense, deeper dense, CNN.

`model` picks one of the lab's nets, built by the same blocks as the searches:
dense 256 -> Dropout(0.2) -> 256 (269,322 parameters); deeper 512 ->
Dropout(0.25) -> 256 -> Dropout(0.2) -> 128 -> 64 (575,050); CNN Conv(10, 5x5)
-> MaxPool(2) -> Conv(20, 5x5) -> MaxPool(2) -> Dropout(0.25) -> Dense(100)
(38,390). The optimizer is its own hyperparameter (the lab used RMSprop for
the dense nets, Adam for the CNN), so `archsearch ask --factor model` compares
the models with the optimizer, epochs and batch held at the base reference's.
Training as the lab did (the references): the dense nets RMSprop (learning
rate 0.001), batch 128, 10 and 15 epochs; the CNN Adam (learning rate 0.001),
batch 32, 5 epochs.

Where archsearch trains otherwise, and why:
- L1-cnn pixels: the lab fed the CNN unnormalised pixels (0-255); archsearch
  scales them to 0-1 for every model, because the data pipeline scales every
  dataset alike and one question must change one thing (named as a pitfall).
"""

from archsearch import Question, blocks
from archsearch.blocks import Per, Reference

DATASET = "mnist"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 128
TRIALS = 12

QUESTIONS = [
    Question("model", "Dense vs deeper dense vs CNN: which of the lab's models is best?", baseline="dense"),
    Question("optimizer", "Does the lab's Adam beat RMSprop for the CNN?", baseline="adam"),
]

REFERENCES = {
    "L1-dense": Reference(
        {"model": "dense", "optimizer": "rmsprop"},
        lab="L1",
        reported="test accuracy 0.9831",
        reported_value=0.9831,
        epochs=10,
        batch_size=128,
        training="RMSprop (lr 0.001), batch 128, 10 epochs",
    ),
    "L1-deeper": Reference(
        {"model": "deeper", "optimizer": "rmsprop"},
        lab="L1",
        reported="test accuracy 0.9854",
        reported_value=0.9854,
        epochs=15,
        batch_size=128,
        training="RMSprop (lr 0.001), batch 128, 15 epochs",
    ),
    "L1-cnn": Reference(
        {"model": "cnn", "optimizer": "adam"},
        lab="L1",
        reported="test accuracy 0.9853",
        reported_value=0.9853,
        epochs=5,
        batch_size=32,
        training="Adam (lr 0.001), batch 32, 5 epochs, unnormalised pixels in the lab",
        pitfalls=(
            (
                "the lab fed the CNN unnormalised pixels (0-255), which slows Adam's first "
                "epochs; archsearch scales inputs to 0-1, so this is not reproduced"
            ),
        ),
        deviations=(
            (
                "L1-cnn pixels: the lab fed the CNN unnormalised pixels (0-255); archsearch "
                "scales them to 0-1 for every model, because the data pipeline scales every "
                "dataset alike and one question must change one thing (named as a pitfall)."
            ),
        ),
    ),
}


def build(hp, input_shape, num_classes):
    import keras

    kind = hp.Choice("model", ["dense", "deeper", "cnn"])
    inputs = keras.Input(shape=input_shape)
    if kind == "dense":
        x = blocks.dense_stack(hp, inputs, layers=2, units=256, dropout=Per([0.2, 0.0]))
    elif kind == "deeper":
        x = blocks.dense_stack(hp, inputs, layers=4, units=Per([512, 256, 128, 64]), dropout=Per([0.25, 0.2, 0.0]))
    else:
        x = blocks.conv_stack(
            hp,
            inputs,
            blocks=2,
            filters=Per([10, 20]),
            kernel_size=5,
            padding="valid",
            pool="max",
            pool_size=2,
            dropout=Per([0.0, 0.25]),
        )
        x = blocks.dense_stack(hp, x, layers=1, units=100)
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name=["rmsprop", "adam"], learning_rate=0.001)
