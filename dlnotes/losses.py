"""Losses: each returns (loss, gradient with respect to its first argument)."""

import numpy as np

from ._checks import as_float_array, check_ints, check_shape


def _check_batch(name, a):
    if a.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one example (a mean over an empty "
                         f"batch is undefined), got shape {a.shape}")


def squared_error(y_hat, y):
    """L = 1/2 sum over outputs of (y_hat - y)^2, averaged over the batch.

    Parameters
    ----------
    y_hat, y : ndarray (N, M)
        Predictions and targets.

    Returns
    -------
    loss : float
    dy_hat : ndarray (N, M), equal to (y_hat - y) / N
    """
    y_hat = check_shape("y_hat", y_hat, ("N", "M"))
    _check_batch("y_hat", y_hat)
    y = as_float_array("y", y)
    if y.shape != y_hat.shape:
        raise ValueError(f"y must have the shape of y_hat {y_hat.shape}, got {y.shape}")
    n = y_hat.shape[0]
    diff = y_hat - y
    return float(0.5 * np.sum(diff * diff) / n), diff / n


def softmax(logits):
    """Row-wise softmax of (N, M) logits, stable for large values."""
    logits = check_shape("logits", logits, ("N", "M"))
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels.

    Parameters
    ----------
    logits : ndarray (N, M)
    labels : int array (N,), values in [0, M)

    Returns
    -------
    loss : float
    dlogits : ndarray (N, M), equal to (softmax(logits) - onehot(labels)) / N
    """
    logits = check_shape("logits", logits, ("N", "M"))
    _check_batch("logits", logits)
    n, m = logits.shape
    labels = check_ints("labels", labels, (n,), 0, m)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -float(np.mean(log_p[rows, labels]))
    dlogits = np.exp(log_p)
    dlogits[rows, labels] -= 1.0
    return loss, dlogits / n
