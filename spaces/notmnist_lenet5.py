"""Lab L3-T3: notMNIST, the classic LeNet-5.

conv(6) -> average pooling -> conv(16) -> average pooling -> Dense(120) ->
Dense(84) -> softmax (61,706 parameters with 5x5 kernels). Searched: kernel
5x5 or 6x6, average or max pooling, tanh (LeNet's) or relu.
"""

from archsearch import Question, blocks

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


def build(hp, input_shape, num_classes):
    model = blocks.lenet5(hp, input_shape, num_classes, kernel_size=[5, 6], pool=["avg", "max"],
                          activation=["tanh", "relu"])
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.05, momentum=0.9)
