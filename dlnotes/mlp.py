"""A multilayer perceptron of any depth: dense layers, one activation each.

Forward, for l = 1..L (the source's notation, with its indexing corrected):

    Z_l = W^l X_{l-1} + b^l,    X_l = f_l(Z_l),    X_0 = x.

The model holds only its ``params``; every call returns what it computed, so
re-running it (a widget moving a slider) never accumulates hidden state.
"""

import numpy as np

from ._checks import (
    check_choice,
    check_examples,
    check_finite,
    check_int,
    check_ints,
    check_keys,
    check_like,
    check_number,
    check_rng,
    check_shape,
)
from .activations import get_activation
from .dense import dense_backward, dense_forward
from .losses import softmax_cross_entropy, squared_error

LOSSES = {"squared_error": squared_error, "softmax_cross_entropy": softmax_cross_entropy}


class MLP:
    """Dense layers ``W1, b1, ..., WL, bL`` with activations ``f_1..f_L``.

    Parameters
    ----------
    params : dict
        ``"W1"`` (H1, D), ``"b1"`` (H1,), ..., ``"WL"`` (M, H_{L-1}), ``"bL"`` (M,).
    activations : list of str
        One name per layer from ``dlnotes.activations.ACTIVATIONS``.
    """

    def __init__(self, params, activations):
        activations = _check_activations(activations)
        depth = len(activations)
        expected = {f"{p}{l}" for l in range(1, depth + 1) for p in "Wb"}
        if set(check_keys("params", params, ())) != expected:
            raise ValueError(
                f"params must have keys {sorted(expected)} for the {depth} layers of "
                f"activations, got {sorted(params)}"
            )
        prev = None
        for l in range(1, depth + 1):
            W = check_shape(f"params['W{l}']", params[f"W{l}"], ("M", prev if prev else "D"))
            check_shape(f"params['b{l}']", params[f"b{l}"], (W.shape[0],))
            prev = W.shape[0]
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self.activations = list(activations)

    @classmethod
    def init(cls, sizes, activations, rng, scale=None):
        """Random weights for layer sizes ``[D, H1, ..., M]``.

        ``scale=None`` uses Xavier/Glorot normal, std sqrt(2 / (fan_in + fan_out));
        a number uses that std for every layer. Biases start at zero.
        ``activations`` is a list (one per layer) or a single name for all.
        """
        if not isinstance(sizes, list | tuple) or len(sizes) < 2:
            raise TypeError(f"sizes must be a list [D, H1, ..., M] of at least 2 ints, "
                            f"got {sizes!r}")
        for k, s in enumerate(sizes):
            check_int(f"sizes[{k}]", s, 1)
        rng = check_rng("rng", rng)
        if scale is not None:
            check_number("scale", scale, 0)
        if isinstance(activations, str):
            activations = [activations] * (len(sizes) - 1)
        if len(_check_activations(activations)) != len(sizes) - 1:
            raise ValueError(
                f"activations must have len(sizes) - 1 = {len(sizes) - 1} entries, "
                f"got {len(activations)}"
            )
        params = {}
        for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            std = np.sqrt(2.0 / (fan_in + fan_out)) if scale is None else scale
            params[f"W{l}"] = rng.normal(0.0, std, size=(fan_out, fan_in))
            params[f"b{l}"] = np.zeros(fan_out)
        return cls(params, activations)

    @property
    def depth(self):
        """Number of dense layers L."""
        return len(self.activations)

    def forward(self, x, params=None):
        """Run the network on a batch.

        Parameters
        ----------
        x : ndarray (N, D)
        params : dict, optional
            Weights to use instead of ``self.params`` (same keys and shapes), so
            a training loop can evaluate new weights without building a model.

        Returns
        -------
        out : ndarray (N, M), X_L
        cache : dict with lists ``"Z"`` (Z_1..Z_L) and ``"X"`` (X_0..X_L), and the
            per-layer caches the backward needs.
        """
        params = self.params if params is None else check_like(params, self.params, "MLP")
        x = check_shape("x", x, ("N", self.params["W1"].shape[1]))
        Z, X, dense_caches, act_caches = [], [x], [], []
        for l, name in enumerate(self.activations, start=1):
            z, dc = dense_forward(X[-1], params[f"W{l}"], params[f"b{l}"])
            a, ac = get_activation(name)[0](z)
            Z.append(z)
            X.append(a)
            dense_caches.append(dc)
            act_caches.append(ac)
        return X[-1], {"Z": Z, "X": X, "dense": dense_caches, "act": act_caches}

    def backward(self, dout, cache):
        """Back-propagate ``dout`` = dL/dX_L through every layer.

        Returns
        -------
        dx : ndarray (N, D), dL/dX_0
        grads : dict with the keys of ``params``
        deltas : list of dL/dZ_l, l = 1..L (the "delta" of the delta rule)
        """
        grads, deltas = {}, [None] * self.depth
        d = check_shape("dout", dout, cache["X"][-1].shape)
        for l in range(self.depth, 0, -1):
            dz = get_activation(self.activations[l - 1])[1](d, cache["act"][l - 1])
            deltas[l - 1] = dz
            d, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dz, cache["dense"][l - 1])
        return d, grads, deltas

    def loss_and_grads(self, x, y, loss="squared_error", params=None):
        """Forward, loss and backward in one call: returns (loss, grads).

        ``y`` is (N, M) targets for ``"squared_error"`` or (N,) integer labels
        for ``"softmax_cross_entropy"`` (the last activation should then be
        ``"identity"``, so the output is the logits). ``params`` as in ``forward``.
        """
        check_choice("loss", loss, sorted(LOSSES))
        out, cache = self.forward(x, params)
        check_examples("x", len(out))
        value, dout = LOSSES[loss](out, y)
        _, grads, _ = self.backward(dout, cache)
        return value, grads

    def predict(self, x, params=None):
        """Output X_L for a batch x (N, D): returns (N, M)."""
        return self.forward(x, params)[0]

    def objective(self, x, y, loss="squared_error"):
        """The function ``fit`` minimises: ``(params, step) -> (loss, grads)``
        on the fixed batch ``x``, ``y`` (checked now, not at the first step)."""
        check_choice("loss", loss, sorted(LOSSES))
        x = check_finite("x", check_shape("x", x, ("N", self.params["W1"].shape[1])))
        n, m = x.shape[0], self.params[f"W{self.depth}"].shape[0]
        if loss == "squared_error":
            check_finite("y", check_shape("y", y, (n, m)))
        else:
            check_ints("y", y, (n,), 0, m)
        return lambda params, step: self.loss_and_grads(x, y, loss, params)


def _check_activations(activations):
    if not isinstance(activations, list | tuple):
        raise TypeError(f"activations must be a list of names, one per layer, got "
                        f"{activations!r}")
    for a in activations:
        get_activation(a)
    return activations


def worked_example():
    """The source's worked network, its input and its target.

    Three inputs x = (1, 4, 5), two sigmoid hidden units, two
    sigmoid outputs, target y = (0.1, 0.05). Weights w1..w10 = 0.1, ..., 0.9, 0.1
    with w1: x1->h1, w2: x1->h2, w3: x2->h1, w4: x2->h2, w5: x3->h1,
    w6: x3->h2, w7: h1->o1, w8: h1->o2, w9: h2->o1, w10: h2->o2; one bias per
    layer, b1 = b2 = 0.5, shared by the units of that layer.

    Returns
    -------
    model : MLP with W1 (2, 3), b1 (2,), W2 (2, 2), b2 (2,)
    x : ndarray (1, 3)
    y : ndarray (1, 2)
    """
    w = dict(zip(range(1, 11), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1]))
    params = {
        # row j holds the weights into unit j: W[j, i] connects input i to unit j
        "W1": np.array([[w[1], w[3], w[5]], [w[2], w[4], w[6]]]),
        "b1": np.array([0.5, 0.5]),
        "W2": np.array([[w[7], w[9]], [w[8], w[10]]]),
        "b2": np.array([0.5, 0.5]),
    }
    return MLP(params, ["sigmoid", "sigmoid"]), np.array([[1.0, 4.0, 5.0]]), np.array([[0.1, 0.05]])


#: where each of the source's weights w1..w10 sits in the worked example's params
WORKED_WEIGHTS = {
    "w1": ("W1", (0, 0)), "w2": ("W1", (1, 0)), "w3": ("W1", (0, 1)),
    "w4": ("W1", (1, 1)), "w5": ("W1", (0, 2)), "w6": ("W1", (1, 2)),
    "w7": ("W2", (0, 0)), "w8": ("W2", (1, 0)), "w9": ("W2", (0, 1)),
    "w10": ("W2", (1, 1)),
}
