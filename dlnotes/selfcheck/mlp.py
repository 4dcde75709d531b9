"""Self-checks for chapter 1: the multilayer perceptron and back-propagation."""


from ..losses import squared_error
from ..mlp import WORKED_WEIGHTS, worked_example
from ..optim import SGD
from . import check_close, check_equal


def _worked_grads():
    model, x, y = worked_example()
    out, cache = model.forward(x)
    _, dout = squared_error(out, y)
    return model, cache, model.backward(dout, cache)


def dL_dw(name, answer):
    """Check dL/dw_k of the worked example, e.g. ``dL_dw("w7", 0.0765)``.

    ``name`` is one of "w1".."w10"; ``answer`` a float, right to about four
    significant digits (the first layer's gradients are below 1e-3, so the
    tolerance is relative only).
    """
    if name not in WORKED_WEIGHTS:
        raise ValueError(f"name must be one of {list(WORKED_WEIGHTS)}, got {name!r}")
    _, _, (_, grads, _) = _worked_grads()
    key, idx = WORKED_WEIGHTS[name]
    return check_close(
        answer, grads[key][idx],
        f"dL/d{name} = (o - y) * o (1 - o) for the output unit it feeds, times the "
        "input it carries; for a hidden weight, sum that over both outputs "
        "through the hidden unit's sigmoid' and the outgoing weights.",
        atol=1e-9,
    )


def delta_hidden(answer):
    """Check the hidden layer's delta dL/dZ_h as a length-2 array."""
    _, _, (_, _, deltas) = _worked_grads()
    return check_close(
        answer, deltas[0][0],
        "delta_h = (W2^T delta_o) * h * (1 - h), with delta_o = (o - y) * o * (1 - o).",
        atol=1e-9,
    )


def loss_after_step(lr, answer):
    """Check the worked example's loss after one gradient step of size ``lr``."""
    model, x, y = worked_example()
    loss, grads = model.loss_and_grads(x, y)
    new = SGD(lr).step(model.params, grads)
    after = type(model)(new, model.activations).loss_and_grads(x, y)[0]
    return check_close(
        answer, after,
        "take every weight w to w - lr * dL/dw (biases too), then run the forward "
        "pass again and evaluate 1/2 sum (o - y)^2.",
    )


def param_count(sizes, answer):
    """Check the number of weights and biases of an MLP with layer ``sizes``."""
    expected = int(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))
    return check_equal(
        answer, expected,
        "each layer from a units to b units has an (b, a) weight matrix and b biases.",
    )
