"""Building blocks for space files: dense and conv stacks, classic nets, optimizers.

Each block takes the hp object and *specs* for its arguments (a plain value
is fixed; a list is ``hp.Choice``; ``(low, high[, step])`` is ``hp.Int`` or
``hp.Float``; ``Per([...])`` gives one spec per layer (``last=`` for the last one); ``Log(low, high)`` is a
log-scaled float; a callable ``f(hp, name)`` is anything else). Importing this
package is cheap: Keras loads when a block is called.

Example (inside a space file's ``build``)::

    from archsearch import blocks

    def build(hp, input_shape, num_classes):
        import keras
        inputs = keras.Input(input_shape)
        x = blocks.dense_stack(hp, inputs, layers=(1, 5), units=(32, 512, 32),
                               activation=["relu", "tanh", "elu"])
        model = keras.Model(inputs, blocks.classifier(x, num_classes))
        return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=blocks.Log(1e-3, 0.3))
"""

from archsearch.blocks._classic import BRANCHES, L4_AFTER, alexnet_style, inception_module, inception_net, lenet5
from archsearch.blocks._conv import conv_stack, pooling
from archsearch.blocks._dense import ACTIVATIONS, classifier, dense_stack, logistic_regression
from archsearch.blocks._optim import OPTIMIZERS, SCHEDULES, compile_model, lr_schedule, optimizer
from archsearch.blocks._reference import (
    Reference,
    build_reference,
    describe_layer,
    get_reference,
    layer_table,
    model_pitfalls,
    reference_summary,
    space_references,
)
from archsearch.blocks._spec import Choice, Log, Per, pick

__all__ = [
    "ACTIVATIONS",
    "BRANCHES",
    "L4_AFTER",
    "OPTIMIZERS",
    "SCHEDULES",
    "Choice",
    "Log",
    "Per",
    "Reference",
    "alexnet_style",
    "build_reference",
    "classifier",
    "compile_model",
    "conv_stack",
    "dense_stack",
    "describe_layer",
    "get_reference",
    "inception_module",
    "inception_net",
    "layer_table",
    "lenet5",
    "logistic_regression",
    "lr_schedule",
    "model_pitfalls",
    "optimizer",
    "pick",
    "pooling",
    "reference_summary",
    "space_references",
]
