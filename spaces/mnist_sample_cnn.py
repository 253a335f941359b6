"""Quick offline CNN search on the bundled 5,000-image MNIST sample.

One or two conv-pool blocks (8-32 filters, 3x3 or 5x5), a small dense layer,
Adam. About 6 trials of 3 epochs: a few minutes on a laptop CPU, no download.
"""

from archsearch import Question, blocks

DATASET = "mnist_sample"
INPUT = "image"
EPOCHS = 3
BATCH_SIZE = 64
TRIALS = 6

QUESTIONS = [
    Question("blocks", "Does a second conv-pool block raise accuracy?", baseline=1),
    Question("filters", "Do more filters raise accuracy?", baseline=8),
]


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.conv_stack(hp, inputs, blocks=(1, 2), filters=[8, 16, 32], kernel_size=[3, 5], pool="max")
    x = blocks.dense_stack(hp, x, layers=1, units=64)
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="adam", learning_rate=blocks.Log(3e-4, 3e-3, default=1e-3))
