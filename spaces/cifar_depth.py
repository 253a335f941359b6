"""Lab L4 variant 1 (depth): CIFAR-10, does accuracy grow with more conv layers?

The AlexNet-style net: conv-pool blocks (Conv2D "same" -> BatchNorm ->
MaxPool(3, stride 2) -> Dropout(0.25)), kernels shrinking 11 -> 8 -> 5 -> 3,
32 filters, first stride 4, then Dense(512) -> Dropout(0.5) -> softmax; SGD,
batch 32, 10 epochs. Depth 3 to 6 blocks: 125,258 parameters at 3 blocks,
153,386 at 6 (the lab's "deeper" net). Depth changes size too; the report
shows parameter counts next to the effect.
"""

from archsearch import Question, blocks

DATASET = "cifar10"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 32
TRIALS = 20

QUESTIONS = [Question("blocks", "Does accuracy grow with depth (more conv layers)?", baseline=3)]


def build(hp, input_shape, num_classes):
    model = blocks.alexnet_style(hp, input_shape, num_classes, blocks=[3, 4, 5, 6], filters=32)
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.01, momentum=0.9)
