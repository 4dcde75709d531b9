"""Self-checks for chapter 1: the multilayer perceptron and back-propagation."""

from ..losses import squared_error
from ..mlp import WORKED_WEIGHTS, worked_example
from ..optim import SGD
from . import check_answer

#: significant figures the chapter's exercises ask for
SIG = 3


def _worked_grads():
    model, x, y = worked_example()
    out, cache = model.forward(x)
    _, dout = squared_error(out, y)
    return model, cache, model.backward(dout, cache)


def _dL_dw_slips(name, model, cache):
    """(value, hint) pairs for the usual slips in dL/d``name`` by hand."""
    key, (row, col) = WORKED_WEIGHTS[name]
    x, h, o = cache["X"][0][0], cache["X"][1][0], cache["X"][2][0]
    y = worked_example()[2][0]
    err, d_o = o - y, (o - y) * o * (1 - o)
    if key == "W2":  # w7..w10: one path, through o_row
        return [(-d_o[row] * h[col], "the sign: dL/do = o - y, not y - o."),
                (err[row] * h[col], "the output's sigmoid' o (1 - o) is missing."),
                (d_o[row], f"multiply by the input the weight carries, h_{col + 1}.")]
    W2, s = model.params["W2"], h[row] * (1 - h[row])
    paths = d_o * W2[:, row] * s * x[col]  # through o_1 and through o_2
    return [(paths[0], "that is the path through o_1 only: add the path through o_2."),
            (paths[1], "that is the path through o_2 only: add the path through o_1."),
            (paths.sum() / s, "the hidden unit's sigmoid' h (1 - h) is missing."),
            (-paths.sum(), "the sign: dL/do = o - y, not y - o.")]


def dL_dw(name, answer):
    """Check dL/dw_k of the worked example, e.g. ``dL_dw("w7", 0.0765)``.

    ``name`` is one of "w1".."w10"; ``answer`` a float, right to 3 significant
    figures (the first layer's gradients are below 1e-2: the figures count,
    not the decimals).
    """
    if name not in WORKED_WEIGHTS:
        raise ValueError(f"name must be one of {list(WORKED_WEIGHTS)}, got {name!r}")
    model, cache, (_, grads, _) = _worked_grads()
    key, idx = WORKED_WEIGHTS[name]
    return check_answer(
        answer, grads[key][idx],
        f"dL/d{name} = (o - y) * o (1 - o) for the output unit it feeds, times the "
        "input it carries; for a hidden weight, sum that over both outputs "
        "through the hidden unit's sigmoid' and the outgoing weights.",
        SIG, _dL_dw_slips(name, model, cache),
    )


def delta_hidden(answer):
    """Check the hidden layer's delta dL/dZ_h as a length-2 array (3 figures)."""
    model, cache, (_, _, deltas) = _worked_grads()
    h, d_o = cache["X"][1][0], deltas[1][0]
    W2 = model.params["W2"]
    return check_answer(
        answer, deltas[0][0],
        "delta_h = (W2^T delta_o) * h * (1 - h), with delta_o = (o - y) * o * (1 - o).",
        SIG,
        [((W2 @ d_o) * h * (1 - h), "W2 maps hidden to output: go back with its "
          "transpose, W2^T delta_o (d2 @ W2 for a row vector)."),
         (W2.T @ d_o, "the hidden units' sigmoid' h (1 - h) is missing.")],
    )


def loss_after_step(lr, answer):
    """Check the worked example's loss after one gradient step of size ``lr``
    (3 significant figures)."""
    model, x, y = worked_example()
    loss, grads = model.loss_and_grads(x, y)
    new = SGD(lr).step(model.params, grads)
    after = type(model)(new, model.activations).loss_and_grads(x, y)[0]
    up = {k: v + lr * grads[k] for k, v in model.params.items()}
    return check_answer(
        answer, after,
        "take every weight w to w - lr * dL/dw (biases too), then run the forward "
        "pass again and evaluate 1/2 sum (o - y)^2.",
        SIG,
        [(loss, "that is the loss before the step."),
         (type(model)(up, model.activations).loss_and_grads(x, y)[0],
          "the step goes against the gradient: w - lr * dL/dw.")],
    )


def param_count(sizes, answer):
    """Check the number of weights and biases of an MLP with layer ``sizes``."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return check_answer(
        answer, int(sum((a + 1) * b for a, b in pairs)),
        "each layer from a units to b units has an (b, a) weight matrix and b biases.",
        wrong=[(int(sum(a * b for a, b in pairs)), "those are the weights: add one "
                "bias per unit of each layer after the input."),
               (int(sum(a * (b + 1) for a, b in pairs)), "one bias per unit a layer "
                "computes (b of them), not per input.")],
    )
