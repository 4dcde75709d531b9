"""The per-block weights of a gated cell (the LSTM's gates, the GRU's blocks).

A cell keeps one ``W_g`` (H, D + H) and ``b_g`` (H,) per block g, named as in
the notes; its forward and backward passes use them stacked, so that all
blocks of a step are one matrix product.
"""

import numpy as np

from ._checks import check_keys, check_shape


def stack_blocks(params, names, D, H, cell):
    """Check the per-block params and stack them in the order of ``names``.

    Returns W (len(names) * H, D + H) and b (len(names) * H,); ``cell`` names
    the model in the error for a missing key, e.g. "an LSTM".
    """
    check_keys("params", params, ())
    missing = [k for g in names for k in (f"W_{g}", f"b_{g}") if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; {cell} needs W_g, b_g "
                         f"for g in {', '.join(names)}")
    W = np.concatenate([check_shape(f"W_{g}", params[f"W_{g}"], (H, D + H)) for g in names])
    b = np.concatenate([check_shape(f"b_{g}", params[f"b_{g}"], (H,)) for g in names])
    return W, b


def unstack_blocks(dW, db, names, H):
    """Per-block gradients from the stacked dW (len(names) * H, D + H) and
    db (len(names) * H,), with the params' keys."""
    grads = {}
    for k, g in enumerate(names):
        grads[f"W_{g}"] = dW[k * H:(k + 1) * H]
        grads[f"b_{g}"] = db[k * H:(k + 1) * H]
    return grads
