"""The fully connected layer Z = X W^T + b, in the source's layout.

W has shape (outputs, inputs) as in Z_l = W^l X_{l-1} + b^l; rows of x are
examples, so the batched form is x @ W.T + b.
"""

from ._checks import check_shape


def dense_forward(x, W, b):
    """Affine map of a batch.

    Parameters
    ----------
    x : ndarray (N, D)
    W : ndarray (M, D)
    b : ndarray (M,)

    Returns
    -------
    out : ndarray (N, M), x @ W.T + b
    cache : (x, W) for the backward pass
    """
    x = check_shape("x", x, ("N", "D"))
    W = check_shape("W", W, ("M", x.shape[1]))
    b = check_shape("b", b, (W.shape[0],))
    return x @ W.T + b, (x, W)


def dense_backward(dout, cache):
    """Gradients of the affine map: three matrix products.

    Parameters
    ----------
    dout : ndarray (N, M), upstream gradient dL/dout
    cache : from ``dense_forward``

    Returns
    -------
    dx : ndarray (N, D), dout @ W
    dW : ndarray (M, D), dout^T @ x
    db : ndarray (M,), dout summed over the batch
    """
    x, W = cache
    dout = check_shape("dout", dout, (x.shape[0], W.shape[0]))
    return dout @ W, dout.T @ x, dout.sum(axis=0)
