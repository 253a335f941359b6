"""Labs L2-T2 and L3-T4: notMNIST, logistic regression against a dense network and a CNN.

Logistic regression (no hidden layer; reported about 0.835) is the baseline.
The dense network (2 hidden layers, width searched) and the CNN (two conv
blocks, width searched) show how much hidden layers and convolutions add
(reported 0.835 / 0.91 / 0.93-0.94).

Training as lab L2 did, for all three models so that the comparison is
controlled: plain SGD, learning rate 0.01 (Keras' default), no momentum; Keras'
default batch of 32; 10 epochs; the images L2-normalised along axis 1 as the
lab's ``keras.utils.normalize(x, axis=1)`` did (a ``UnitNormalization(axis=1)``
layer in front, on the 0-1 pixels: the same result, since the norm ignores the
scale).

Where archsearch trains otherwise, and why:
- L2-logistic: the lab gives no training settings for its logistic regression;
  archsearch trains it as the lab's deep net (SGD 0.01, batch 32, 10 epochs).
- dense and CNN levels: the lab's best dense net and CNN of L3-T4 trained
  otherwise (L3: SGD 0.1, chunks of its generator); here they train as the
  logistic regression does, because one question must change one thing.
"""

from archsearch import Question, blocks
from archsearch.blocks import Reference

DATASET = "notmnist"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 32
TRIALS = 30

QUESTIONS = [
    Question("model", "How much better than logistic regression are a dense network and a CNN?", baseline="logistic"),
]

_DEVIATIONS = (
    (
        "L2-logistic: the lab gives no training settings for its logistic regression; archsearch trains it as the "
        "lab's deep net (SGD 0.01, batch 32, 10 epochs)."
    ),
    (
        "dense and CNN levels: the lab's best dense net and CNN of L3-T4 trained otherwise (L3: SGD 0.1, chunks of its "
        "generator); here they train as the logistic regression does, because one question must change one thing."
    ),
)
REFERENCES = {
    "L2-logistic": Reference(
        {"model": "logistic"},
        lab="L2-T2/L3-T4",
        reported="accuracy about 0.835",
        reported_value=0.835,
        epochs=10,
        batch_size=32,
        training="SGD lr 0.01 without momentum, batch 32, 10 epochs, keras.utils.normalize(x, axis=1)",
        deviations=_DEVIATIONS,
    ),
}


def build(hp, input_shape, num_classes):
    import keras

    kind = hp.Choice("model", ["logistic", "dense", "cnn"])
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.UnitNormalization(axis=1)(inputs)  # the lab's keras.utils.normalize(x, axis=1)
    if kind == "cnn":
        with hp.conditional_scope("model", ["cnn"]):
            x = blocks.conv_stack(hp, x, blocks=2, filters=[16, 32, 64], kernel_size=3, pool="max")
    if kind != "logistic":
        with hp.conditional_scope("model", ["dense", "cnn"]):
            x = blocks.dense_stack(hp, x, layers=2 if kind == "dense" else 1, units=[128, 256, 512], per_layer=False)
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.01, momentum=0.0)
