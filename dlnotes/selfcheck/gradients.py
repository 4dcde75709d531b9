"""Self-checks for chapter 2: vanishing and exploding gradients."""

import numpy as np

from ..activations import sigmoid_backward, sigmoid_forward
from ..clip import clip_by_norm
from ..deepnet import act_dense_backward, act_dense_forward
from ..norm import batchnorm_backward, batchnorm_forward
from ..residual import residual_backward, residual_forward
from . import Verdict, check_close


def _sigmoid_derivative_max():
    z = np.linspace(-10, 10, 2001)  # contains z = 0, where sigma' peaks
    return float(np.max(sigmoid_backward(np.ones_like(z), sigmoid_forward(z)[1])))


def sigmoid_product_bound(n, answer):
    """Check the largest value of sigma'(z_1) ... sigma'(z_n), over all z_i."""
    return check_close(
        answer, _sigmoid_derivative_max() ** n,
        "sigma'(z) = sigma(z) (1 - sigma(z)) is largest where sigma(z) = 1/2; "
        "each factor is at most that value, and the n factors are independent.",
        rtol=1e-6, atol=0.0,
    )


def clipping(grads, threshold, norm, clipped):
    """Check what ``clip_by_norm(grads, threshold)`` returns: ``norm`` (a float)
    and ``clipped`` (a dict with the keys of ``grads``)."""
    expected, expected_norm = clip_by_norm(grads, threshold)
    hint = ("the norm is taken over all arrays together: sqrt of the sum of every "
            "squared entry; then every array is multiplied by threshold / norm, "
            "only if the norm exceeds the threshold.")
    verdict = check_close(norm, expected_norm, hint)
    if not verdict:
        return Verdict(False, "The norm: " + verdict.message)
    if not isinstance(clipped, dict) or set(clipped) != set(expected):
        return Verdict(False, f"Not yet: clipped must be a dict with keys {sorted(expected)}.")
    for k in expected:
        v = check_close(clipped[k], expected[k], hint)
        if not v:
            return Verdict(False, f"clipped[{k!r}]: {v.message}")
    return Verdict(True, "Right.")


def bn_dgamma(x, dout, answer):
    """Check dL/dgamma of batch norm (training mode) for input ``x`` (N, D) and
    upstream gradient ``dout`` (N, D), any gamma and beta."""
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[1]
    _, cache = batchnorm_forward(x, np.ones(d), np.zeros(d))
    _, dgamma, _ = batchnorm_backward(np.asarray(dout, dtype=np.float64), cache)
    return check_close(
        answer, dgamma,
        "y = gamma * x_hat + beta, so dL/dgamma sums dout * x_hat over the batch; "
        "x_hat = (x - mean) / sqrt(var + eps) per column, var without N - 1.",
    )


def residual_factor(c, n, answer):
    """Check d(output)/d(input) of n stacked residual blocks y = x + c x.

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
    return check_close(
        answer, float(d[0, 0]),
        "each block's derivative is 1 + dF/dx = 1 + c (the identity path plus the "
        "branch), and the chain rule multiplies the n blocks' derivatives.",
        rtol=1e-6,
    )
