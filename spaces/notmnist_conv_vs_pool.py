"""Labs L3-T1/T2: notMNIST, two convolutions and a dense layer; replace one convolution with pooling.

Block 0 is always Conv2D(3x3, relu); block 1 is a second convolution or a
pooling layer (max or average, 2x2). Then Dense(hidden, relu) -> softmax.
Reported: about the same accuracy, training about 3x faster with pooling;
the report gives both the accuracy effect and the training-time effect.
"""

from archsearch import Question, blocks
from archsearch.blocks import Per

DATASET = "notmnist"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 128
TRIALS = 20

QUESTIONS = [
    Question("block_type_1", "Does replacing the second convolution with pooling change accuracy?",
             baseline="conv"),
    Question("pool", "Max or average pooling?", baseline="max"),
    Question("filters", "Do more filters per convolution help?", baseline=16),
]


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.conv_stack(hp, inputs, blocks=2, block_type=Per(["conv", ["conv", "pool"]]), filters=[16, 32],
                          kernel_size=3, pool=["max", "avg"], pool_after_conv=False, pool_size=2)
    x = blocks.dense_stack(hp, x, layers=1, units=[64, 128], per_layer=False)
    model = keras.Model(inputs, blocks.classifier(x, num_classes))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.05, momentum=0.9)
