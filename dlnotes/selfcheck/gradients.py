"""Self-checks for chapter 2: vanishing and exploding gradients."""

import numpy as np

from ..activations import sigmoid_backward, sigmoid_forward
from ..clip import clip_by_norm
from ..deepnet import act_dense_backward, act_dense_forward
from ..norm import batchnorm_backward, batchnorm_forward
from ..residual import residual_backward, residual_forward
from . import Verdict, check_answer

#: significant figures the chapter's exercises ask for
SIG = 3


def _sigmoid_derivative_max():
    z = np.linspace(-10, 10, 2001)  # contains z = 0, where sigma' peaks
    return float(np.max(sigmoid_backward(np.ones_like(z), sigmoid_forward(z)[1])))


def sigmoid_product_bound(n, answer):
    """Check the largest value of sigma'(z_1) ... sigma'(z_n), over all z_i,
    to 3 significant figures."""
    top = _sigmoid_derivative_max()
    return check_answer(
        answer, top ** n,
        "sigma'(z) = sigma(z) (1 - sigma(z)) is largest where sigma(z) = 1/2; "
        "each factor is at most that value, and the n factors are independent.",
        SIG,
        [(0.5 ** n, "that is sigma(0) ** n: the factors are the derivative "
          "sigma'(0) = sigma(0) (1 - sigma(0)), not sigma(0)."),
         (top * n, "the chain rule multiplies the factors; it does not add them."),
         (top, "that is one factor: the bound multiplies n of them.")],
    )


def clipping(grads, threshold, norm, clipped):
    """Check what ``clip_by_norm(grads, threshold)`` returns: ``norm`` (a float,
    3 significant figures) and ``clipped`` (a dict with the keys of ``grads``)."""
    expected, expected_norm = clip_by_norm(grads, threshold)
    hint = ("the norm is taken over all arrays together: sqrt of the sum of every "
            "squared entry; then every array is multiplied by threshold / norm, "
            "only if the norm exceeds the threshold.")
    arrays = [np.asarray(g, dtype=np.float64) for g in grads.values()]
    verdict = check_answer(
        norm, expected_norm, hint, SIG,
        [(sum(float(np.abs(g).sum()) for g in arrays), "that is the sum of the "
          "absolute values (the L1 norm): take the square root of the sum of squares."),
         (expected_norm ** 2, "that is the squared norm: take its square root."),
         *[(float(np.linalg.norm(g)), "that is the norm of one array: the norm is "
            "global, over all arrays together.") for g in arrays]],
    )
    if not verdict:
        return Verdict(False, "The norm: " + verdict.message)
    if not isinstance(clipped, dict) or set(clipped) != set(expected):
        return Verdict(False, f"Not yet: clipped must be a dict with keys {sorted(expected)}.")
    for k in expected:
        v = check_answer(
            clipped[k], expected[k], hint, SIG,
            [(np.asarray(grads[k], dtype=np.float64) * threshold / expected_norm,
              "the gradients are scaled only when the norm exceeds the threshold; "
              "here they come back unchanged.")]
            if expected_norm <= threshold else
            [(grads[k], "the norm exceeds the threshold: scale every array by "
              "threshold / norm.")],
        )
        if not v:
            return Verdict(False, f"clipped[{k!r}]: {v.message}")
    return Verdict(True, "Right.")


def bn_dgamma(x, dout, answer):
    """Check dL/dgamma of batch norm (training mode) for input ``x`` (N, D) and
    upstream gradient ``dout`` (N, D), any gamma and beta; 4 significant figures."""
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    d = x.shape[1]
    _, cache = batchnorm_forward(x, np.ones(d), np.zeros(d))
    _, dgamma, _ = batchnorm_backward(dout, cache)
    centred = x - x.mean(axis=0)
    return check_answer(
        answer, dgamma,
        "y = gamma * x_hat + beta, so dL/dgamma sums dout * x_hat over the batch; "
        "x_hat = (x - mean) / sqrt(var + eps) per column, var without N - 1.",
        4,
        [(np.sum(dout * centred / x.std(axis=0, ddof=1), axis=0),
          "the batch variance divides by N, not N - 1."),
         (dout.sum(axis=0), "that is dL/dbeta: dL/dgamma weights each dout by x_hat."),
         (np.sum(dout * x, axis=0), "normalise x first: x_hat = (x - mean) / sqrt(var + eps).")],
    )


def residual_factor(c, n, answer):
    """Check d(output)/d(input) of n stacked residual blocks y = x + c x, to 4
    significant figures.

    Each block's branch is the linear map F(x) = c x; the expected value is
    back-propagated through ``dlnotes.residual`` one block at a time.
    """
    W, b = np.array([[float(c)]]), np.zeros(1)
    d = np.ones((1, 1))
    caches = []
    x = np.ones((1, 1))
    for _ in range(n):
        x, cache = residual_forward(x, act_dense_forward, W, b, "identity")
        caches.append(cache)
    for cache in reversed(caches):
        d, _, _ = residual_backward(d, cache, act_dense_backward)
    return check_answer(
        answer, float(d[0, 0]),
        "each block's derivative is 1 + dF/dx = 1 + c (the identity path plus the "
        "branch), and the chain rule multiplies the n blocks' derivatives.",
        4,
        [(1 + c * n, "that adds the n branches once each (1 + n c): the chain rule "
          "multiplies the blocks' derivatives, (1 + c) ** n."),
         (c ** n, "that is the network without the skips: each block's derivative "
          "is 1 + c, not c.")],
    )
