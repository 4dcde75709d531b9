"""Back-propagation of the worked example written as the chain rule reads.

``MLP.backward`` computes gradients with matrix products (the delta rule).
This module computes the same numbers one scalar at a time, summing over every
path from a weight to the loss, exactly as the chapter writes the chain rule.
It exists to check the matrix form by an independent route, not for speed.
"""

import numpy as np

from ._checks import as_float_array
from .mlp import MLP


def chain_rule_gradients(model, x, y):
    """dL/dw for every weight and bias of a one-hidden-layer sigmoid MLP.

    The loss is L = 1/2 sum_k (o_k - y_k)^2 for a single example.

    Parameters
    ----------
    model : MLP with activations ["sigmoid", "sigmoid"], W1 (H, D), W2 (M, H)
    x : ndarray (1, D)
    y : ndarray (1, M)

    Returns
    -------
    grads : dict with the keys and shapes of ``model.params``; entry
        ``W2[k, j]`` is dL/do_k * do_k/dz_ok * dz_ok/dW2[k, j], and entry
        ``W1[j, i]`` sums over the outputs k that hidden unit j feeds:
        sum_k dL/do_k * do_k/dz_ok * dz_ok/dh_j * dh_j/dz_hj * dz_hj/dW1[j, i].
    """
    if not isinstance(model, MLP) or model.activations != ["sigmoid", "sigmoid"]:
        raise ValueError("model must be an MLP with activations ['sigmoid', 'sigmoid']")
    W2 = model.params["W2"]
    H, D = model.params["W1"].shape
    M = W2.shape[0]
    for name, a, width in (("x", x, D), ("y", y, M)):
        if as_float_array(name, a).shape != (1, width):
            raise ValueError(f"{name} must hold one example, shape (1, {width}), "
                             f"got {np.shape(a)}")
    y = as_float_array("y", y)
    _, cache = model.forward(x)
    xs, h, o = cache["X"][0][0], cache["X"][1][0], cache["X"][2][0]
    dL_do = o - y[0]                      # from L = 1/2 sum (o - y)^2
    do_dz = o * (1 - o)                   # sigma'(z) = sigma(z)(1 - sigma(z))
    dh_dz = h * (1 - h)
    g = {k: np.zeros_like(v) for k, v in model.params.items()}
    for k in range(M):
        for j in range(H):
            g["W2"][k, j] = dL_do[k] * do_dz[k] * h[j]          # dz_ok/dW2[k,j] = h_j
        g["b2"][k] = dL_do[k] * do_dz[k]                        # dz_ok/db2_k = 1
    for j in range(H):
        for i in range(D):
            g["W1"][j, i] = sum(dL_do[k] * do_dz[k] * W2[k, j] for k in range(M)) \
                * dh_dz[j] * xs[i]                              # dz_hj/dW1[j,i] = x_i
        g["b1"][j] = sum(dL_do[k] * do_dz[k] * W2[k, j] for k in range(M)) * dh_dz[j]
    return g
