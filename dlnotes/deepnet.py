"""Deep MLPs for studying vanishing and exploding gradients.

The network is written on the pre-activations Z_l, the source's own
Z_l = W^l X_{l-1} + b^l with X_{l-1} = f(Z_{l-1}):

    Z_1 = W^1 x + b^1                                   (N, H)
    Z_l = W^l f(Z_{l-1}) + b^l,           l = 2..L      plain
    Z_l = W^l f(BN(Z_{l-1})) + b^l                      with batch norm
    Z_l = Z_{l-1} + (either of the above), l = 2..L-1   residual

and Z_L (N, M) is the output. Cut this way, every layer after the first is
an activation then a dense layer, the residual branch F(Z) = W f(Z) + b adds
a zero-mean update to the stream (the "pre-activation" residual block of
He et al., 2016), and batch norm normalises each layer's pre-activations.

Every backward pass also returns the per-layer gradient norms ||dL/dW^l||
(Frobenius), l = 1..L: the profile that shows a gradient vanishing or
exploding on its way down to layer 1. Nothing is stored on the model between
calls; the norms are returned, and ``train`` returns their history.
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
    check_shape,
)
from .activations import get_activation
from .clip import clip_by_norm
from .dense import dense_backward, dense_forward
from .init import get_initializer
from .losses import softmax_cross_entropy, squared_error
from .norm import batchnorm_backward, batchnorm_forward
from .optim import SGD
from .residual import residual_backward, residual_forward
from .train import Diverged, fit

LOSSES = {"squared_error": squared_error, "softmax_cross_entropy": softmax_cross_entropy}


def act_dense_forward(z, W, b, activation):
    """W f(z) + b: an activation, then a dense layer.

    Parameters
    ----------
    z : ndarray (N, H), pre-activations of the layer below
    W : ndarray (M, H); b : ndarray (M,)
    activation : str, a name from ``dlnotes.activations.ACTIVATIONS``

    Returns
    -------
    out : ndarray (N, M)
    cache : for ``act_dense_backward``
    """
    forward, backward = get_activation(activation)
    a, act_cache = forward(check_shape("z", z, ("N", "H")))
    out, dense_cache = dense_forward(a, W, b)
    return out, {"a": a, "act": act_cache, "dense": dense_cache, "backward": backward}


def act_dense_backward(dout, cache):
    """Returns dz (N, H), dW (M, H), db (M,) of ``act_dense_forward``."""
    da, dW, db = dense_backward(dout, cache["dense"])
    return cache["backward"](da, cache["act"]), dW, db


def bn_act_dense_forward(z, gamma, beta, W, b, activation):
    """W f(BN(z; gamma, beta)) + b: batch norm, an activation, a dense layer.

    Parameters
    ----------
    z : ndarray (N, H), N >= 2; gamma, beta : ndarray (H,)
    W : ndarray (M, H)
    b : ndarray (M,), or None for no bias (when a batch norm follows, its mean
        subtraction would cancel b, so b would only add a zero gradient)
    activation : str

    Returns
    -------
    out : ndarray (N, M)
    cache : for ``bn_act_dense_backward``
    """
    u, bn_cache = batchnorm_forward(check_shape("z", z, ("N", "H")), gamma, beta)
    out, cache = act_dense_forward(u, W, np.zeros(np.shape(W)[0]) if b is None else b, activation)
    return out, {"a": cache["a"], "bn": bn_cache, "act_dense": cache, "no_bias": b is None}


def bn_act_dense_backward(dout, cache):
    """Returns dz (N, H), dgamma (H,), dbeta (H,), dW (M, H), db (M,) or None."""
    du, dW, db = act_dense_backward(dout, cache["act_dense"])
    dz, dgamma, dbeta = batchnorm_backward(du, cache["bn"])
    return dz, dgamma, dbeta, dW, None if cache["no_bias"] else db


class DeepMLP:
    """A deep MLP of dense layers l = 1..L, optionally residual and batch-normed.

    Parameters
    ----------
    params : dict
        ``"W1"`` (H, D), ``"W2"``..``"W{L-1}"`` (H, H), ``"W{L}"`` (M, H) and a
        bias ``"b{l}"`` for each; with ``batchnorm``, ``"gamma{l}"`` and
        ``"beta{l}"`` (H,) for l = 2..L, the normalisation of Z_{l-1}, and only
        ``"b{L}"``: every other Z_l is normalised, which cancels its bias.
    activation : str, the activation f of every hidden layer
    residual : bool, Z_l = Z_{l-1} + F(Z_{l-1}) for l = 2..L-1
    batchnorm : bool, batch-normalise Z_{l-1} before f
    """

    def __init__(self, params, activation, residual=False, batchnorm=False):
        get_activation(activation)
        for name, flag in (("residual", residual), ("batchnorm", batchnorm)):
            _check_bool(name, flag)
        L = sum(1 for k in check_keys("params", params, ()) if str(k).startswith("W"))
        if L < 2:
            raise ValueError(f"params must hold at least W1 and W2 (L >= 2), got {sorted(params)}")
        expected = {f"W{l}" for l in range(1, L + 1)} | {f"b{L}"}
        if batchnorm:
            expected |= {f"{p}{l}" for l in range(2, L + 1) for p in ("gamma", "beta")}
        else:
            expected |= {f"b{l}" for l in range(1, L)}
        if set(params) != expected:
            raise ValueError(f"params must have keys {sorted(expected)}, got {sorted(params)}")
        H = check_shape("params['W1']", params["W1"], ("H", "D")).shape[0]
        for l in range(2, L):
            check_shape(f"params['W{l}']", params[f"W{l}"], (H, H))
        M = check_shape(f"params['W{L}']", params[f"W{L}"], ("M", H)).shape[0]
        for l in range(1, L + 1):
            if f"b{l}" in params:
                check_shape(f"params['b{l}']", params[f"b{l}"], (M if l == L else H,))
            if batchnorm and l > 1:
                check_shape(f"params['gamma{l}']", params[f"gamma{l}"], (H,))
                check_shape(f"params['beta{l}']", params[f"beta{l}"], (H,))
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self.activation = activation
        self.residual = bool(residual)
        self.batchnorm = bool(batchnorm)

    @classmethod
    def init(cls, sizes, activation, rng, init="xavier", scale=1.0,
             residual=False, batchnorm=False):
        """Random weights for ``sizes = (D, H, M, L)``: L dense layers.

        ``init`` is a name from ``dlnotes.init.INITIALIZERS``; ``scale`` is its
        gain ("xavier", "he") or its std ("normal"), for every layer. Biases
        and beta start at 0, gamma at 1; see ``DeepMLP`` for the keys.
        """
        if not isinstance(sizes, list | tuple) or len(sizes) != 4:
            raise TypeError(f"sizes must be (D, H, M, L), 4 ints, got {sizes!r}")
        D, H, M, L = (check_int(f"sizes[{k}] ({n})", v, 2 if n == "L" else 1)
                      for k, (n, v) in enumerate(zip("DHML", sizes)))
        check_number("scale", scale, 0)
        draw = get_initializer(init)
        fans = [D] + [H] * (L - 1) + [M]
        params = {}
        for l in range(1, L + 1):
            params[f"W{l}"] = draw(fans[l - 1], fans[l], rng, scale)
            if not batchnorm or l == L:
                params[f"b{l}"] = np.zeros(fans[l])
            if batchnorm and l > 1:
                params[f"gamma{l}"], params[f"beta{l}"] = np.ones(H), np.zeros(H)
        return cls(params, activation, residual, batchnorm)

    @property
    def depth(self):
        """Number of dense layers L."""
        return sum(1 for k in self.params if k.startswith("W"))

    def _layer(self):
        """Forward, backward and parameter names of layers 2..L."""
        if self.batchnorm:
            return bn_act_dense_forward, bn_act_dense_backward, ("gamma", "beta", "W", "b")
        return act_dense_forward, act_dense_backward, ("W", "b")

    def forward(self, x, params=None):
        """Run the network on a batch.

        Parameters
        ----------
        x : ndarray (N, D)
        params : dict, optional, weights to use instead of ``self.params``

        Returns
        -------
        out : ndarray (N, M), Z_L
        cache : dict with ``"layers"``, the L layers' caches; ``"X"``, the
            hidden outputs f(Z_1), ..., f(Z_{L-1}) (batch-normed first if
            ``batchnorm``), each (N, H); and ``"Z"``, the pre-activations
            Z_1, ..., Z_L (the residual stream where ``residual``), each
            (N, H) and the last (N, M)
        """
        p = self.params if params is None else check_like(params, self.params, "DeepMLP")
        L = self.depth
        x = check_shape("x", x, ("N", self.params["W1"].shape[1]))
        z, c = dense_forward(x, p["W1"], p.get("b1", np.zeros(p["W1"].shape[0])))
        caches, zs = [c], [z]
        forward, _, names = self._layer()
        for l in range(2, L + 1):
            args = [p.get(f"{n}{l}") for n in names] + [self.activation]
            if self.residual and l < L:
                z, c = residual_forward(z, forward, *args)
            else:
                z, c = forward(z, *args)
            caches.append(c)
            zs.append(z)
        return z, {"layers": caches, "X": [c["a"] for c in caches[1:]], "Z": zs}

    def backward(self, dout, cache):
        """Back-propagate ``dout`` = dL/dZ_L through every layer.

        Returns
        -------
        dx : ndarray (N, D), dL/dx
        grads : dict with the keys of ``params``
        norms : ndarray (L,), ||dL/dW^l|| for l = 1..L (index l - 1)
        """
        L = self.depth
        _, backward, names = self._layer()
        grads, d, cache = {}, dout, cache["layers"]
        for l in range(L, 1, -1):
            if self.residual and l < L:
                d, *dparams = residual_backward(d, cache[l - 1], backward)
            else:
                d, *dparams = backward(d, cache[l - 1])
            grads.update({f"{n}{l}": g for n, g in zip(names, dparams) if g is not None})
        d, grads["W1"], db1 = dense_backward(d, cache[0])
        if not self.batchnorm:
            grads["b1"] = db1
        norms = np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, L + 1)])
        return d, grads, norms

    def loss_and_grads(self, x, y, loss="squared_error", params=None):
        """Forward, loss and backward: returns (loss, grads, norms).

        ``y`` is (N, M) targets for ``"squared_error"`` or (N,) integer labels
        for ``"softmax_cross_entropy"``; ``norms`` as in ``backward``.
        """
        check_choice("loss", loss, sorted(LOSSES))
        out, cache = self.forward(x, params)
        check_examples("x", len(out))
        # the loss would name its own arguments (y_hat, labels), not this y
        if loss == "squared_error":
            check_shape("y", y, out.shape)
        else:
            check_ints("y", y, (len(out),), 0, out.shape[1])
        value, dout = LOSSES[loss](out, y)
        _, grads, norms = self.backward(dout, cache)
        return value, grads, norms


def dead_units(model, x, params=None):
    """Fraction of each hidden layer's units whose output is 0 on the whole batch.

    With ReLU such a unit is "dead": f' = 0 at every example, so no gradient
    reaches its incoming weights and it cannot revive itself; it comes back
    only if the layers below change its input (a dead unit of the first
    hidden layer, whose input is the data, stays dead).

    Parameters
    ----------
    model : DeepMLP; x : ndarray (N, D); params : dict, optional

    Returns
    -------
    ndarray (L - 1,), for the hidden outputs f(Z_1), ..., f(Z_{L-1})
    """
    if not isinstance(model, DeepMLP):
        raise TypeError(f"model must be a DeepMLP, got {type(model).__name__}")
    x = check_finite("x", check_shape("x", x, ("N", model.params["W1"].shape[1])))
    if len(x) == 0:
        raise ValueError(f"x must hold at least one example, got shape {x.shape}")
    params = model.params if params is None else check_like(params, model.params, "DeepMLP")
    for k, a in params.items():  # a NaN is never <= 0, so it would pass for a live unit
        check_finite(f"params[{k!r}]", a)
    _, cache = model.forward(x, params)
    return np.array([np.mean(np.all(a <= 0, axis=0)) for a in cache["X"]])


def train(model, x, y, lr, steps, loss="squared_error", clip=None, keep=()):
    """Full-batch gradient descent with ``dlnotes.fit``, keeping every step's norms.

    Parameters
    ----------
    model : DeepMLP, its ``params`` are the starting point (not modified)
    x : ndarray (N, D); y : targets or labels as in ``loss_and_grads``
    lr : float, learning rate; steps : int, gradient steps
    loss : str
    clip : float, optional; clip the gradients by global norm to this threshold
    keep : sequence of int, optional; the steps k after which to keep the
        parameters (those reached after k updates; 0 is the start)

    Returns
    -------
    dict with
        ``losses`` : list of float, the loss before each step (and after the last)
        ``norms`` : ndarray (len(losses), L), ||dL/dW^l|| before clipping
        ``diverged_at`` : int step at which the loss became inf or NaN, or None
        ``params`` : the final parameters, or None when training diverged
        ``kept`` : dict step -> parameters after that step, for each step of
        ``keep`` that training reached
    """
    if not isinstance(model, DeepMLP):
        raise TypeError(f"model must be a DeepMLP, got {type(model).__name__}")
    if clip is not None:
        check_number("clip", clip, 0, open_low=True)
    if isinstance(keep, str) or not hasattr(keep, "__iter__"):
        raise TypeError(f"keep must be a sequence of steps, got {keep!r}")
    keep = {check_int("keep[]", k, 0) for k in keep}
    norms, kept = [], {}

    def objective(params, step):
        if step in keep:
            kept[step] = {k: v.copy() for k, v in params.items()}
        value, grads, layer_norms = model.loss_and_grads(x, y, loss, params)
        norms.append(layer_norms)
        return value, grads

    transform = None if clip is None else (lambda grads: clip_by_norm(grads, clip)[0])
    # A diverging run overflows on purpose; fit reports it as Diverged.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            params, losses = fit(objective, model.params, SGD(lr), steps, transform=transform)
            diverged_at = None
        except Diverged as exc:
            params, losses, diverged_at = None, exc.history, exc.step
    return {"losses": losses, "norms": np.array(norms), "diverged_at": diverged_at,
            "params": params, "kept": kept}


def _check_bool(name, flag):
    if not isinstance(flag, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {flag!r}")
