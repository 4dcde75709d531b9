"""Elementwise activations: values and forward/backward pairs.

All functions accept arrays of any shape and return arrays of the same shape.
"""

import numpy as np

from ._checks import as_float_array, check_choice, check_shape


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + e^-z), numerically stable for any finite z.

    With e = e^-|z| (never overflows), it is 1 / (1 + e) for z >= 0 and
    e / (1 + e) for z < 0; whole-array operations, no boolean indexing, since
    the gates of the recurrent layers call it at every time step.
    """
    z = as_float_array("z", z)
    e = np.exp(-np.abs(z))
    s = 1.0 / (1.0 + e)
    return np.where(z >= 0, s, e * s)


def tanh(z):
    """Hyperbolic tangent, any shape."""
    return np.tanh(as_float_array("z", z))


def relu(z):
    """max(0, z) elementwise, any shape."""
    return np.maximum(as_float_array("z", z), 0.0)


def identity(z):
    """z itself (a linear output layer), any shape."""
    return as_float_array("z", z)


def sigmoid_forward(z):
    """a = sigmoid(z); the cache is a, since sigma' = a (1 - a)."""
    a = sigmoid(z)
    return a, a


def _check_da(da, cached):
    """da must have the shape of the forward's output, not merely broadcast to it."""
    return check_shape("da", da, cached.shape)


def sigmoid_backward(da, cache):
    """dz = da * a * (1 - a); da and a have the same shape."""
    a = cache
    return _check_da(da, a) * a * (1.0 - a)


def tanh_forward(z):
    """a = tanh(z); the cache is a, since tanh' = 1 - a^2."""
    a = tanh(z)
    return a, a


def tanh_backward(da, cache):
    """dz = da * (1 - a^2)."""
    a = cache
    return _check_da(da, a) * (1.0 - a * a)


def relu_forward(z):
    """a = max(0, z); the cache is z (the derivative at 0 is taken as 0)."""
    z = as_float_array("z", z)
    return np.maximum(z, 0.0), z


def relu_backward(da, cache):
    """dz = da where z > 0, else 0."""
    z = cache
    return np.where(z > 0, _check_da(da, z), 0.0)


def identity_forward(z):
    """a = z; the cache is its shape, to check the gradient against."""
    z = as_float_array("z", z)
    return z, z.shape


def identity_backward(da, cache):
    """dz = da; the cache is the forward's output shape."""
    return check_shape("da", da, cache)


#: name -> (forward, backward), the activations an MLP layer can use
ACTIVATIONS = {
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "identity": (identity_forward, identity_backward),
}


def get_activation(name):
    """Return the (forward, backward) pair for ``name``, or a clear error."""
    return ACTIVATIONS[check_choice("activation", name, sorted(ACTIVATIONS), "name")]
