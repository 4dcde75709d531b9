"""A small convolutional network for 8x8 digit images, and its training data.

The network stacks conv blocks, each

    A_l = maxpool(relu(conv(A_{l-1}; W^l, b^l, pad = K // 2))),    A_0 = x,

so a block keeps the image size through the "same" padding and halves it by
2x2 max pooling, and ends with one dense layer on the flattened maps:
logits = W^L flatten(A_{L-1}) + b^L. Parameters are ``W1, b1, ..., WL, bL``
as in the MLP, so the same optimizer and training loop drive both.
"""

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._checks import (
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
from .activations import relu_backward, relu_forward
from .conv import (
    conv2d_backward,
    conv2d_forward,
    flatten_backward,
    flatten_forward,
    maxpool2d_backward,
    maxpool2d_forward,
    output_size,
)
from .dense import dense_backward, dense_forward
from .losses import softmax_cross_entropy
from .mlp import MLP
from .optim import SGD
from .train import fit


class Digits(NamedTuple):
    """A train/test split of scikit-learn's 8x8 digits, standardised.

    x_train (N, 1, 8, 8), labels_train (N,), x_test (N', 1, 8, 8),
    labels_test (N',); ``mean`` and ``std`` are the training pixels' statistics
    that both splits were standardised with.
    """

    x_train: np.ndarray
    labels_train: np.ndarray
    x_test: np.ndarray
    labels_test: np.ndarray
    mean: float
    std: float


def load_digits(test_fraction=0.25, seed=0):
    """The 1,797 handwritten digits that scikit-learn ships (no download).

    The images (gray levels 0..16) are shuffled with ``np.random.default_rng(seed)``
    and split; then every pixel is standardised with one mean and one standard
    deviation taken over all training pixels (one scalar each, so a shifted
    digit is standardised alike, which convolution relies on, and nothing of the
    test set leaks into training).

    Returns a ``Digits`` with images as (N, 1, 8, 8) float64 and int labels.
    """
    check_number("test_fraction", test_fraction, 0, 1, open_low=True, open_high=True)
    check_int("seed", seed, 0)
    images, target = _digit_images()  # (1797, 1, 8, 8), (1797,)
    order = np.random.default_rng(seed).permutation(len(images))
    n_test = round(test_fraction * len(images))
    test, train = order[:n_test], order[n_test:]
    mean, std = images[train].mean(), images[train].std()
    return Digits((images[train] - mean) / std, target[train],
                  (images[test] - mean) / std, target[test], float(mean), float(std))


@lru_cache(maxsize=1)
def _digit_images():
    """scikit-learn's digits as read-only arrays: images (1797, 1, 8, 8) float64
    (gray levels 0..16) and labels (1797,) int, read once per process.

    The file scikit-learn ships, ``sklearn/datasets/data/digits.csv.gz`` (one
    row per image: 64 gray levels, then the label), is read directly, as
    ``sklearn.datasets.load_digits`` reads it: importing scikit-learn costs
    more than a second, and a chapter splits the data once per seed.
    """
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec else None
    if path is not None and path.is_file():
        data = np.loadtxt(path, delimiter=",")
        images, target = data[:, :-1].reshape(-1, 1, 8, 8), data[:, -1].astype(int)
    else:  # a layout this does not know: let scikit-learn find its file
        from sklearn.datasets import load_digits as sklearn_digits

        data = sklearn_digits()
        images, target = data.images.astype(np.float64)[:, None], data.target
    images, target = np.ascontiguousarray(images), np.asarray(target)
    images.flags.writeable = target.flags.writeable = False
    return images, target


def shift_images(x, down, right, fill):
    """Images x (N, C, H, W) moved ``down`` rows and ``right`` columns (negative:
    up, left); the pixels that come in are ``fill``, e.g. the background's value."""
    x = check_shape("x", x, ("N", "C", "H", "W"))
    check_int("down", down)
    check_int("right", right)
    check_number("fill", fill)
    h, w = x.shape[2:]
    for name, shift, side in (("down", down, h), ("right", right, w)):
        if abs(shift) >= side:
            raise ValueError(f"{name} must lie in [{1 - side}, {side - 1}], got {shift}: "
                             f"it moves a {h} x {w} image out of view")
    out = np.full_like(x, fill)
    src = x[:, :, max(-down, 0):h + min(-down, 0), max(-right, 0):w + min(-right, 0)]
    out[:, :, max(down, 0):h + min(down, 0), max(right, 0):w + min(right, 0)] = src
    return out


class CNN:
    """Conv blocks (conv -> ReLU -> 2x2 max pool) then a dense layer to logits.

    Parameters
    ----------
    params : dict
        ``"W1"`` (F1, C, K, K), ``"b1"`` (F1,), ..., one pair per conv block,
        then the dense layer ``"WL"`` (M, F_{L-1} H' W'), ``"bL"`` (M,), where
        H' = H / 2^(L-1) is the image side after the last pooling.
    image_shape : (C, H, W), the input images' shape
    """

    def __init__(self, params, image_shape):
        c, h, w = _check_image_shape(image_shape)
        depth = len(check_keys("params", params, ())) // 2
        expected = {f"{p}{l}" for l in range(1, depth + 1) for p in "Wb"}
        if set(params) != expected or depth < 2:
            raise ValueError(
                f"params must have keys W1, b1, ..., WL, bL with L >= 2, got {sorted(params)}"
            )
        for l in range(1, depth):
            W = check_shape(f"params['W{l}']", params[f"W{l}"], ("F", c, "K", "K"))
            check_shape(f"params['b{l}']", params[f"b{l}"], (W.shape[0],))
            k = W.shape[2]
            if k % 2 == 0:
                raise ValueError(f"params['W{l}'] must have an odd kernel side, got {k}")
            c = W.shape[0]
            h = output_size(output_size(h, k, 1, k // 2, "H"), 2, 2, 0, "H")
            w = output_size(output_size(w, k, 1, k // 2, "W"), 2, 2, 0, "W")
        W = check_shape(f"params['W{depth}']", params[f"W{depth}"], ("M", c * h * w))
        check_shape(f"params['b{depth}']", params[f"b{depth}"], (W.shape[0],))
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self.image_shape = tuple(int(s) for s in image_shape)

    @classmethod
    def init(cls, rng, image_shape=(1, 8, 8), filters=(16, 32), kernel=3, classes=10):
        """Random weights: He normal, std sqrt(2 / fan_in), for the conv layers
        (they feed ReLUs), Glorot normal for the dense layer; zero biases.

        ``filters`` gives F_l for each conv block; each block halves H and W;
        ``rng`` is a np.random.Generator or an int seed.
        """
        rng = check_rng("rng", rng)
        _check_image_shape(image_shape)
        if not isinstance(filters, list | tuple) or not filters:
            raise TypeError(f"filters must be a non-empty list of ints, got {filters!r}")
        for k, f in enumerate(filters):
            check_int(f"filters[{k}]", f, 1)
        check_int("kernel", kernel, 1)
        check_int("classes", classes, 1)
        params, c = {}, image_shape[0]
        h, w = image_shape[1:]
        for l, f in enumerate(filters, start=1):
            params[f"W{l}"] = rng.normal(0, np.sqrt(2 / (c * kernel**2)), (f, c, kernel, kernel))
            params[f"b{l}"] = np.zeros(f)
            c, h, w = f, h // 2, w // 2
        L = len(filters) + 1
        params[f"W{L}"] = rng.normal(0, np.sqrt(2 / (c * h * w + classes)), (classes, c * h * w))
        params[f"b{L}"] = np.zeros(classes)
        return cls(params, image_shape)

    @property
    def depth(self):
        """Number of layers with weights L: the conv blocks and the dense layer."""
        return len(self.params) // 2

    def forward(self, x, params=None):
        """Run the network on a batch.

        Parameters
        ----------
        x : ndarray (N, C, H, W)
        params : dict, optional, weights to use instead of ``self.params``

        Returns
        -------
        logits : ndarray (N, M)
        cache : dict; ``"maps"`` holds each block's ReLU output (N, F_l, H_l, W_l),
            the feature maps before pooling; the rest is for ``backward``.
        """
        params = self.params if params is None else check_like(params, self.params, "CNN")
        a = check_shape("x", x, ("N", *self.image_shape))
        layers, maps = [], []
        for l in range(1, self.depth):
            W = params[f"W{l}"]
            z, conv_cache = conv2d_forward(a, W, params[f"b{l}"], pad=W.shape[2] // 2)
            r, relu_cache = relu_forward(z)
            a, pool_cache = maxpool2d_forward(r)
            layers.append((conv_cache, relu_cache, pool_cache))
            maps.append(r)
        flat, flat_cache = flatten_forward(a)
        L = self.depth
        logits, dense_cache = dense_forward(flat, params[f"W{L}"], params[f"b{L}"])
        return logits, {"layers": layers, "flat": flat_cache, "dense": dense_cache,
                        "maps": maps}

    def backward(self, dout, cache):
        """Back-propagate ``dout`` = dL/dlogits (N, M) through every layer.

        Returns
        -------
        dx : ndarray (N, C, H, W)
        grads : dict with the keys of ``params``
        """
        L = self.depth
        grads = {}
        dflat, grads[f"W{L}"], grads[f"b{L}"] = dense_backward(dout, cache["dense"])
        da = flatten_backward(dflat, cache["flat"])
        for l in range(L - 1, 0, -1):
            conv_cache, relu_cache, pool_cache = cache["layers"][l - 1]
            dz = relu_backward(maxpool2d_backward(da, pool_cache), relu_cache)
            da, grads[f"W{l}"], grads[f"b{l}"] = conv2d_backward(dz, conv_cache)
        return da, grads

    def loss_and_grads(self, x, labels, loss="softmax_cross_entropy", params=None):
        """Softmax cross-entropy of the logits against int ``labels`` (N,) and its
        gradient: returns (loss, grads). The signature matches ``MLP``'s, so
        ``minibatch_objective`` trains either."""
        if loss != "softmax_cross_entropy":
            raise ValueError(f"loss must be 'softmax_cross_entropy', got {loss!r}")
        logits, cache = self.forward(x, params)
        check_examples("x", len(logits))
        value, dlogits = softmax_cross_entropy(logits, labels)
        return value, self.backward(dlogits, cache)[1]

    def predict(self, x, params=None):
        """Logits (N, M) for a batch x (N, C, H, W)."""
        return self.forward(x, params)[0]


def param_count(params):
    """Number of trainable numbers in a params dict."""
    check_keys("params", params, ())
    return int(sum(np.size(p) for p in params.values()))


def cache_bytes(caches, exclude=()):
    """Bytes of the arrays that forward-pass caches keep for the backward pass.

    Parameters
    ----------
    caches : caches as the forward functions return them: arrays, tuples,
        lists and dicts of them, nested (shapes, ints and strings count 0)
    exclude : iterable of arrays not to count, e.g. the parameters
        (``params.values()``), which a cache holds by reference and the model
        keeps anyway

    Returns
    -------
    int : the bytes of the distinct buffers held. A view (a reshape, a
        slice) keeps its whole base array alive, so it counts as that base,
        once however many views of it the caches hold.
    """
    def root(a):
        while isinstance(a.base, np.ndarray):
            a = a.base
        return a

    if isinstance(exclude, np.ndarray | str) or not hasattr(exclude, "__iter__"):
        raise TypeError(f"exclude must be an iterable of arrays (e.g. params.values()), "
                        f"got {type(exclude).__name__}")
    skip = {id(root(a)) for a in exclude if isinstance(a, np.ndarray)}
    seen, todo = {}, [caches]
    while todo:
        item = todo.pop()
        if isinstance(item, np.ndarray):
            r = root(item)
            if id(r) not in skip:
                seen[id(r)] = r.nbytes
        elif isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list | tuple):
            todo.extend(item)
    return int(sum(seen.values()))


def comparable_mlp(n_params, rng, inputs=64, classes=10):
    """An MLP inputs -> H -> classes (ReLU, then logits) with H chosen so its
    parameter count (inputs + 1) H + (H + 1) classes is closest to ``n_params``."""
    check_int("n_params", n_params, 1)
    check_int("inputs", inputs, 1)
    check_int("classes", classes, 1)
    hidden = max(1, round((n_params - classes) / (inputs + 1 + classes)))
    return MLP.init([inputs, hidden, classes], ["relu", "identity"], rng)


def minibatch_objective(model, x, labels, batch_size, seed=0):
    """``(params, step) -> (loss, grads)`` on mini-batch number ``step``.

    Each epoch visits every example once in an order drawn from
    ``np.random.default_rng([seed, epoch])``, so the batches depend only on the
    step number (no state kept between calls). ``model`` is an ``MLP`` or a
    ``CNN`` (anything with ``loss_and_grads(x, labels, loss, params)``); ``x``
    has the shape the model takes, its first axis the examples.
    """
    x, labels = _check_data(model, x, labels)
    check_finite("x", x)
    n = len(x)
    check_int("batch_size", batch_size, 1, n)
    check_int("seed", seed, 0)
    per_epoch = -(-n // batch_size)

    def objective(params, step):
        epoch, i = divmod(step, per_epoch)
        order = np.random.default_rng([seed, epoch]).permutation(n)
        batch = order[i * batch_size:(i + 1) * batch_size]
        return model.loss_and_grads(x[batch], labels[batch], "softmax_cross_entropy", params)

    return objective, per_epoch


def train(model, x, labels, epochs=10, batch_size=32, lr=0.02, momentum=0.9, seed=0):
    """Mini-batch SGD with momentum through ``dlnotes.train.fit``.

    The defaults are chapter 3's settings for the digits, for the CNN and the MLP
    alike: 10 epochs of batches of 32, learning rate 0.02, momentum 0.9.

    Returns (params, history) as ``fit`` does: the trained weights and the
    mini-batch loss before each of the ``epochs`` times batches-per-epoch steps,
    then the loss of the trained weights on the next batch.
    """
    check_int("epochs", epochs, 0)
    objective, per_epoch = minibatch_objective(model, x, labels, batch_size, seed)
    return fit(objective, model.params, SGD(lr, momentum), epochs * per_epoch)


def accuracy(model, x, labels, params=None):
    """Fraction of ``x`` whose arg-max logit is the label (NaN would pass an
    arg-max silently, so x and the weights must be finite)."""
    x, labels = _check_data(model, x, labels)
    if len(x) == 0:
        raise ValueError(f"x must hold at least one example to score, got shape {x.shape}")
    check_finite("x", x)
    params = model.params if params is None else check_like(params, model.params,
                                                            type(model).__name__)
    for k, p in params.items():
        check_finite(f"params[{k!r}]", p)
    return float(np.mean(model.predict(x, params).argmax(axis=1) == labels))


def _check_image_shape(image_shape):
    if not isinstance(image_shape, list | tuple) or len(image_shape) != 3:
        raise TypeError(f"image_shape must be (C, H, W), got {image_shape!r}")
    return tuple(check_int(f"image_shape[{k}]", s, 1) for k, s in enumerate(image_shape))


def _check_data(model, x, labels):
    """x in the model's input shape and int labels (N,) in [0, M)."""
    if isinstance(model, CNN):
        x = check_shape("x", x, ("N", *model.image_shape))
    elif isinstance(model, MLP):
        x = check_shape("x", x, ("N", model.params["W1"].shape[1]))
    elif callable(getattr(model, "loss_and_grads", None)):
        return x, check_ints("labels", labels, (len(x),), 0)  # a model we know less of
    else:
        raise TypeError(f"model must be an MLP or a CNN, got {type(model).__name__}")
    m = model.params[f"W{model.depth}"].shape[0]
    return x, check_ints("labels", labels, (x.shape[0],), 0, m)
