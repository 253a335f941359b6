"""Lab L4 variant 1 (depth): CIFAR-10, does accuracy grow with more conv layers?

The lab's AlexNet-style net (see cifar_alexnet.py): Conv2D(32, 11x11 same) ->
Conv2D(32, 8x8 valid) -> Conv2D(32, 5x5 same), each with BatchNorm, MaxPool(3,
stride 2, valid) and Dropout(0.25) after the first two and after the last
convolution; then Dense(512) -> Dropout(0.5) -> softmax; plain SGD (lr 0.01),
batch 32, 10 epochs. Depth 3 to 5 convolutions: 125,258 parameters at 3, and
the lab's deeper net at 5 (a 3x3 and a 1x1 with 64 filters added, pooling after
convolutions 1, 2 and 5): 153,386. Depth changes size too; the report shows
parameter counts next to the effect, and `archsearch ask --match-size` holds it.

Training as the lab did (the references): plain SGD, learning rate 0.01, no
momentum; batch 32; 10 epochs; categorical cross-entropy on a softmax output.
"""

from archsearch import Question, blocks
from archsearch.blocks import Reference

DATASET = "cifar10"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 32
TRIALS = 20

QUESTIONS = [Question("blocks", "Does accuracy grow with depth (more conv layers)?", baseline=3)]

REFERENCES = {
    "L4-base": Reference(
        {"blocks": 3}, lab="L4", reported="val accuracy 0.58", reported_value=0.58, epochs=10, batch_size=32
    ),
    "L4-depth": Reference(
        {"blocks": 5}, lab="L4", reported="val accuracy 0.552", reported_value=0.552, epochs=10, batch_size=32
    ),
}


def build(hp, input_shape, num_classes):
    model = blocks.alexnet_style(hp, input_shape, num_classes, blocks=[3, 4, 5])
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.01, momentum=0.0)
