"""Lab L4 on Fashion-MNIST: the AlexNet-style net, width and depth.

The net of cifar_depth.py on 28x28 grey clothes images (stride 1: the images are
small), 3-6 conv-pool blocks
and 16-64 filters per convolution. SGD with momentum, batch 32, 10 epochs.
"""

from archsearch import Question, blocks

DATASET = "fashion_mnist"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 32
TRIALS = 30

QUESTIONS = [
    Question("blocks", "Does accuracy grow with depth (more conv layers)?", baseline=3),
    Question("filters", "Does accuracy grow with width (more filters per conv layer)?", baseline=32),
]


def build(hp, input_shape, num_classes):
    model = blocks.alexnet_style(hp, input_shape, num_classes, blocks=[3, 4, 5, 6], filters=blocks.Choice([16, 32, 64], default=32),
                                 strides=1)
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.01, momentum=0.9)
