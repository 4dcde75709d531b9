"""Weight initializers: random W of shape (fan_out, fan_in), as in Z = W X + b.

The scale of W decides whether a signal, and its gradient, keeps its size
through many layers. Each backward step multiplies by W^T diag(f'(z)), so:

- ``normal(std)``: any fixed std; too small vanishes, too large explodes;
- ``xavier`` (Glorot and Bengio, 2010): var = 2 / (fan_in + fan_out), which
  keeps variances for activations with f'(0) = 1 such as tanh;
- ``he`` (He et al., 2015): var = 2 / fan_in, which makes up for ReLU
  zeroing half of its inputs.
"""

import numpy as np

from ._checks import check_choice, check_int, check_number, check_rng


def _check_fans(fan_in, fan_out):
    check_int("fan_in", fan_in, 1)
    check_int("fan_out", fan_out, 1)


def normal(fan_in, fan_out, rng, std):
    """W ~ N(0, std^2), shape (fan_out, fan_in); ``std`` >= 0 a float; ``rng``
    a np.random.Generator or an int seed."""
    _check_fans(fan_in, fan_out)
    check_number("std", std, 0)
    rng = check_rng("rng", rng)
    return rng.normal(0.0, std, size=(fan_out, fan_in))


def xavier(fan_in, fan_out, rng, gain=1.0):
    """Xavier/Glorot normal: std = gain * sqrt(2 / (fan_in + fan_out)).

    Returns W (fan_out, fan_in).
    """
    _check_fans(fan_in, fan_out)
    check_number("gain", gain, 0)
    return normal(fan_in, fan_out, rng, gain * np.sqrt(2.0 / (fan_in + fan_out)))


def he(fan_in, fan_out, rng, gain=1.0):
    """He/Kaiming normal: std = gain * sqrt(2 / fan_in). Returns W (fan_out, fan_in)."""
    _check_fans(fan_in, fan_out)
    check_number("gain", gain, 0)
    return normal(fan_in, fan_out, rng, gain * np.sqrt(2.0 / fan_in))


#: name -> initializer; each takes (fan_in, fan_out, rng, scale)
INITIALIZERS = {"normal": normal, "xavier": xavier, "he": he}


def get_initializer(name):
    """Return the initializer called ``name``, or a clear error."""
    return INITIALIZERS[check_choice("init", name, sorted(INITIALIZERS), "name")]
