"""Lab L3-T3: notMNIST, LeNet-5 and the lab's variant of it.

conv -> average pooling -> conv -> average pooling -> Dense(120) -> Dense(84)
-> softmax. LeCun's: 6 and 16 filters, 5x5, the first conv padded, tanh
(61,706 parameters). The lab's (L3-lenet): 32 and 32 filters, 6x6, "valid",
relu (83,774). Searched: kernel 5x5 or 6x6, average or max pooling, tanh or
relu, each convolution's filters and the first one's padding.
"""

from archsearch import Question, blocks
from archsearch.blocks import Per, Reference

DATASET = "notmnist"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 128
TRIALS = 16

QUESTIONS = [
    Question("kernel_size", "5x5 or 6x6 kernels?", baseline=5),
    Question("pool", "Does max pooling beat LeNet's average pooling?", baseline="avg"),
    Question("activation", "Does relu beat LeNet's tanh?", baseline="tanh"),
]

REFERENCES = {
    "L3-lenet": Reference({"kernel_size": 6, "pool": "avg", "activation": "relu", "filters_0": 32, "filters_1": 32,
                           "padding_0": "valid"}, lab="L3-T3",
                          reported="the lab's LeNet-5 variant (best CNN about 0.93-0.94)"),
    "LeNet-5": {"kernel_size": 5, "pool": "avg", "activation": "tanh", "filters_0": 6, "filters_1": 16,
                "padding_0": "same"},
}


def build(hp, input_shape, num_classes):
    model = blocks.lenet5(hp, input_shape, num_classes, kernel_size=[5, 6], pool=["avg", "max"],
                          activation=["tanh", "relu"], filters=Per([[6, 32], [16, 32]]),
                          padding=Per([["same", "valid"], "valid"]))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.05, momentum=0.9)
