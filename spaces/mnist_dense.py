"""Lab L1: MNIST, wider and deeper dense networks, dropout and optimizers.

Dense stacks of 1-4 hidden layers (64-512 units each), dropout 0-0.3 after
each layer, RMSprop / Adam / SGD; batch 128, 10 epochs. The lab's reference
nets are in this space: 256 -> Dropout(0.2) -> 256 (0.9831) and
512 -> 256 -> 128 -> 64 (0.9854).
"""

from archsearch import Question, blocks

DATASET = "mnist"
INPUT = "flat"
EPOCHS = 10
BATCH_SIZE = 128
TRIALS = 30

QUESTIONS = [
    Question("layers", "Does a deeper dense network raise accuracy?", baseline=1),
    Question("units_0", "Does a wider first layer raise accuracy?", baseline=64),
    Question("dropout", "Does dropout help?", baseline=0.0),
    Question("optimizer", "Which optimizer works best?", baseline="rmsprop"),
]


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.dense_stack(hp, inputs, layers=(1, 4), units=[64, 128, 256, 512], activation="relu",
                           dropout=[0.0, 0.1, 0.2, 0.3])
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name=["rmsprop", "adam", "sgd"],
                                learning_rate=blocks.Log(1e-4, 1e-1, default=1e-3))
