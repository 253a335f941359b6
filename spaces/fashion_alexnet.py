"""Lab L4 on Fashion-MNIST: the AlexNet-style net, width and depth.

The lab's net of cifar_alexnet.py on 28x28 grey clothes images. Its "valid"
8x8 convolution and "valid" pools would shrink a 28x28 map to nothing at the
third pool, so here every convolution and pool pads ("same"): this is not a
lab reference, only the same family. 3-6 conv blocks (pooling after the first
two and the last), 16-64 filters; plain SGD (lr 0.01), batch 32, 10 epochs.
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
    model = blocks.alexnet_style(
        hp,
        input_shape,
        num_classes,
        blocks=[3, 4, 5, 6],
        filters=blocks.Choice([16, 32, 64], default=32),
        padding="same",
        pool_padding="same",
    )
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.01, momentum=0.0)
