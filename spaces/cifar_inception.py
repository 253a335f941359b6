"""Lab L4 variant 2: CIFAR-10, an Inception-like network.

A 3x3 stem, then 1-3 Inception modules (parallel 1x1 / 3x3 / 5x5 / pool
branches joined with Concatenate), each followed by MaxPool(2), then global
average pooling and softmax. Width (filters per branch), the number of
parallel branches and depth (modules) are searched.

Training: all archsearch's. The lab gives no model, optimizer or training
settings for variant 2, so this space searches the optimizer (Adam or SGD) and
its learning rate, with batch 32 and 10 epochs as in variant 1; it has no
reference model.

Where archsearch trains otherwise, and why:
- optimizer: Adam at learning rate 0.001 by default (the first choice), because
  SGD at 0.001 stayed at chance for 5 epochs on the CIFAR-10 stand-in; the lab
  gives no optimizer for variant 2.
"""

from archsearch import Question, blocks

LAB = "L4 v2"  # the lab task this space answers (the labs page labels its rows so)
DATASET = "cifar10"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 32
TRIALS = 30

QUESTIONS = [
    Question("filters", "Does accuracy grow with width (filters per branch)?", baseline=16),
    Question("branches", "Do more parallel branches raise accuracy?", baseline=1),
    Question("modules", "Does accuracy grow with depth (more Inception modules)?", baseline=1),
]


def build(hp, input_shape, num_classes):
    model = blocks.inception_net(hp, input_shape, num_classes, modules=(1, 3), branches=(1, 4), filters=[16, 32, 64])
    return blocks.compile_model(
        hp, model, optimizer_name=["adam", "sgd"], learning_rate=blocks.Log(1e-4, 0.05, default=1e-3)
    )
