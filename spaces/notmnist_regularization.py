"""Lab L2-T3: notMNIST, L2 regularisation and dropout against overfitting.

A fixed dense network (3 hidden layers of 512, relu, SGD with momentum); the
L2 factor and the dropout rate are the only searched hyperparameters, each
on a few levels, so the report can compare every level with "none".
"""

from archsearch import Question, blocks

DATASET = "notmnist"
INPUT = "flat"
EPOCHS = 15
BATCH_SIZE = 128
TRIALS = 24

QUESTIONS = [
    Question("l2", "Does L2 regularisation raise validation accuracy?", baseline=0.0),
    Question("dropout", "Does dropout raise validation accuracy?", baseline=0.0),
]


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.dense_stack(hp, inputs, layers=3, units=512, dropout=[0.0, 0.2, 0.5],
                           l2=[0.0, 1e-5, 1e-4, 1e-3])
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.05, momentum=0.9)
