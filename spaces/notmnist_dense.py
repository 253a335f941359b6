"""Lab L2-T1: notMNIST letters A-J, a deep dense network trained with SGD.

1 to 5 hidden layers, each with its own width (32-512) and activation (relu,
sigmoid, tanh, elu, selu, leaky relu, linear). Which depth, width and
activation are best? Trials that stay at chance (0.10) are the lab's
"softmax hidden layer" pitfall; the report flags them.
"""

from archsearch import Question, blocks

DATASET = "notmnist"
INPUT = "flat"
EPOCHS = 10
BATCH_SIZE = 128
TRIALS = 40

QUESTIONS = [
    Question("layers", "Does a deeper dense network raise accuracy?", baseline=1),
    Question("units_0", "Does a wider first hidden layer raise accuracy?", baseline=32),
    Question("activation_0", "Which activation works best in the first hidden layer?", baseline="relu"),
]


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.dense_stack(hp, inputs, layers=(1, 5), units=(32, 512, 32),
                           activation=["relu", "sigmoid", "tanh", "elu", "selu", "leaky_relu", "linear"])
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=blocks.Log(1e-3, 0.3, default=0.05),
                                momentum=[0.0, 0.9])
