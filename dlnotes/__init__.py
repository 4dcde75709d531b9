"""dlnotes: every model of the Deep Learning Models course, by hand, in numpy.

Layers are pairs of pure functions ``out, cache = f_forward(...)`` and
``grads = f_backward(dout, cache)``; models compose them. See DESIGN.md.
"""

from . import activations, data, dense, gradcheck, losses, mlp, optim, selfcheck, train
from .mlp import MLP, worked_example
from .optim import SGD
from .train import Diverged, fit

__all__ = [
    "activations", "data", "dense", "gradcheck", "losses", "mlp", "optim",
    "selfcheck", "train", "MLP", "SGD", "Diverged", "fit", "worked_example",
]
