"""Labs L3-T1/T2: notMNIST, two convolutions and a dense output; replace one convolution with pooling.

The lab's nets: Conv2D(32, 3x3, valid, relu), then a second Conv2D(32, 3x3,
same, relu) (L3-two-conv, 225,898 parameters) or a MaxPool(2) in its place
(L3-conv-pool, 54,410), then Flatten -> Dense(10, sigmoid); SGD lr 0.1, batch
1000. Reported: about the same accuracy, training about 3x faster with
pooling; the report gives both the accuracy effect and the training-time
effect. Searched besides: max or average pooling, filters, an optional hidden
Dense, and a softmax output instead of the lab's sigmoid.
"""

from archsearch import Question, blocks
from archsearch.blocks import Per, Reference

DATASET = "notmnist"
INPUT = "image"
EPOCHS = 10
BATCH_SIZE = 1000
TRIALS = 20

QUESTIONS = [
    Question("block_type_1", "Does replacing the second convolution with pooling change accuracy?",
             baseline="conv"),
    Question("pool", "Max or average pooling?", baseline="max"),
    Question("filters", "Do more filters per convolution help?", baseline=32),
]

_LAB = "SGD lr 0.1 without momentum, batch 1000"
REFERENCES = {
    "L3-two-conv": Reference({"block_type_1": "conv"}, lab="L3-T1", reported="test accuracy 0.94, training 45 min",
                             reported_value=0.94, batch_size=1000, training=_LAB),
    "L3-conv-pool": Reference({"block_type_1": "pool", "pool": "max"}, lab="L3-T2",
                              reported="accuracy about the same, training 15 min (3x faster)", batch_size=1000,
                              training=_LAB),
}


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.conv_stack(hp, inputs, blocks=2, block_type=Per(["conv", ["conv", "pool"]]),
                          filters=blocks.Choice([16, 32, 64], default=32), kernel_size=3,
                          padding=Per(["valid", "same"]), pool=["max", "avg"], pool_after_conv=False, pool_size=2)
    x = blocks.dense_stack(hp, x, layers=[0, 1], units=[64, 128], per_layer=False)
    model = keras.Model(inputs, blocks.classifier(x, num_classes, activation=hp.Choice("output", ["sigmoid",
                                                                                                  "softmax"])))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.1, momentum=0.0)
