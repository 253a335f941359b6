"""Lab L4 variant 1 (width): CIFAR-10, does accuracy grow with more filters per conv layer?

The lab's AlexNet-style net of cifar_depth.py with its 3 convolutions; filters
per convolution 16, 32, 48 or 64 (125,258 parameters at 32, 427,146 at 64).
Plain SGD (lr 0.01, no momentum), batch 32, 10 epochs.

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

QUESTIONS = [Question("filters", "Does accuracy grow with width (more filters per conv layer)?", baseline=32)]

REFERENCES = {
    "L4-base": Reference(
        {"filters": 32}, lab="L4", reported="val accuracy 0.58", reported_value=0.58, epochs=10, batch_size=32
    ),
    "L4-width": Reference(
        {"filters": 64}, lab="L4", reported="val accuracy 0.6357", reported_value=0.6357, epochs=10, batch_size=32
    ),
}


def build(hp, input_shape, num_classes):
    model = blocks.alexnet_style(
        hp, input_shape, num_classes, blocks=3, filters=blocks.Choice([16, 32, 48, 64], default=32)
    )
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.01, momentum=0.0)
