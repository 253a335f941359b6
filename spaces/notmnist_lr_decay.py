"""Lab L2-T4: notMNIST, does a decaying learning rate help?

A fixed dense network (3 x 512, relu, dropout 0.2) trained with SGD; the
schedule (constant, exponential, step, cosine, reduce-on-plateau) and the
initial learning rate are searched. The course quotes 0.971 as the best this
model family reached. The lab gives no layer table for T4's network:
``L2-T4-dense`` is this space's model at a constant rate, the base its
ablation (search/labs.toml) changes the schedule of.
"""

from archsearch import Question, blocks
from archsearch.blocks import Reference

DATASET = "notmnist"
INPUT = "flat"
EPOCHS = 15
BATCH_SIZE = 128
TRIALS = 30

QUESTIONS = [
    Question("schedule", "Does a decaying learning rate beat a constant one?", baseline="constant"),
]

REFERENCES = {
    "L2-T4-dense": Reference({"schedule": "constant", "learning_rate": 0.05}, lab="L2-T4",
                             reported="best of this model family about 0.971 (the course's quote)",
                             training="SGD with momentum 0.9, constant rate 0.05; this space's model, "
                                      "not a layer table of the lab"),
}


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.dense_stack(hp, inputs, layers=3, units=512, dropout=0.2)
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=blocks.Log(1e-3, 0.5, default=0.05),
                                momentum=0.9, schedule=list(blocks.SCHEDULES), decay_rate=[0.5, 0.8, 0.95],
                                step_epochs=[3, 5], epochs=EPOCHS)
