"""Labs L2-T2 and L3-T4: notMNIST, logistic regression against a dense network and a CNN.

Logistic regression (no hidden layer; reported about 0.835) is the baseline.
The dense network (2 hidden layers, width searched) and the CNN (two conv
blocks, width searched) show how much hidden layers and convolutions add
(reported 0.835 / 0.91 / 0.93-0.94).
"""

from archsearch import Question, blocks
from archsearch.blocks import Reference

DATASET = "notmnist"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 128
TRIALS = 30

QUESTIONS = [
    Question("model", "How much better than logistic regression are a dense network and a CNN?",
             baseline="logistic"),
]

REFERENCES = {
    "L2-logistic": Reference({"model": "logistic"}, lab="L2-T2/L3-T4", reported="accuracy about 0.835",
                             reported_value=0.835),
}


def build(hp, input_shape, num_classes):
    import keras

    kind = hp.Choice("model", ["logistic", "dense", "cnn"])
    if kind == "logistic":
        model = blocks.logistic_regression(input_shape, num_classes)
    else:
        inputs = keras.Input(shape=input_shape)
        x = inputs
        if kind == "cnn":
            with hp.conditional_scope("model", ["cnn"]):
                x = blocks.conv_stack(hp, x, blocks=2, filters=[16, 32, 64], kernel_size=3, pool="max")
        with hp.conditional_scope("model", ["dense", "cnn"]):
            x = blocks.dense_stack(hp, x, layers=2 if kind == "dense" else 1, units=[128, 256, 512],
                                   per_layer=False)
        model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.05, momentum=0.9)
