"""Batch normalization of a dense layer's pre-activations, (N, D) batches.

Training mode normalises each feature j with the statistics of the batch,

    mu_j = mean_i x_ij,   var_j = mean_i (x_ij - mu_j)^2,
    x_hat_ij = (x_ij - mu_j) / sqrt(var_j + eps),   y_ij = gamma_j x_hat_ij + beta_j,

so every output depends on every example of its column: the backward pass
has the two extra terms that come from mu and var. Evaluation mode replaces
the batch statistics by running averages kept by the caller (no hidden state
here): ``batchnorm_running_stats`` updates them from a training batch and
``batchnorm_eval`` applies them.
"""

import numpy as np

from ._checks import check_finite, check_number, check_shape


def _check_eps(eps):
    check_number("eps", eps, 0, open_low=True)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Batch normalization in training mode (batch statistics).

    Parameters
    ----------
    x : ndarray (N, D), N >= 2 (one example has no spread to normalise)
    gamma : ndarray (D,), scale
    beta : ndarray (D,), shift
    eps : float > 0, added to the variance

    Returns
    -------
    out : ndarray (N, D), gamma * x_hat + beta
    cache : dict with ``x_hat`` (N, D), ``gamma`` (D,), ``inv_std`` (D,) =
        1 / sqrt(var + eps), and the batch ``mean`` (D,) and ``var`` (D,)
    """
    x = check_shape("x", x, ("N", "D"))
    if x.shape[0] < 2:
        raise ValueError(
            f"x must hold at least 2 examples for batch statistics, got shape {x.shape}"
        )
    gamma = check_shape("gamma", gamma, (x.shape[1],))
    beta = check_shape("beta", beta, (x.shape[1],))
    _check_eps(eps)
    n = x.shape[0]
    mean = x.sum(axis=0) / n  # sums, not .mean(): half the call overhead
    centered = x - mean
    var = (centered * centered).sum(axis=0) / n
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centered * inv_std
    cache = {"x_hat": x_hat, "gamma": gamma, "inv_std": inv_std, "mean": mean, "var": var}
    return gamma * x_hat + beta, cache


def batchnorm_backward(dout, cache):
    """Gradients of training-mode batch normalization.

    With g = dout * gamma (the gradient reaching x_hat), per column:

        dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat)),

    where the mean(g) term comes through mu and the x_hat term through var.

    Parameters
    ----------
    dout : ndarray (N, D), upstream gradient dL/dout
    cache : from ``batchnorm_forward``

    Returns
    -------
    dx : ndarray (N, D)
    dgamma : ndarray (D,), sum over the batch of dout * x_hat
    dbeta : ndarray (D,), sum over the batch of dout
    """
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dout = check_shape("dout", dout, x_hat.shape)
    n = x_hat.shape[0]
    g = dout * gamma
    dx = inv_std * (g - g.sum(axis=0) / n - x_hat * ((g * x_hat).sum(axis=0) / n))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def batchnorm_running_stats(running_mean, running_var, cache, momentum=0.1):
    """Move the running statistics towards one training batch's.

    ``new = (1 - momentum) * running + momentum * batch``, with the batch
    variance made unbiased (times N / (N - 1)) as in Ioffe and Szegedy (2015),
    since it estimates the population's.

    Parameters
    ----------
    running_mean, running_var : ndarray (D,), start e.g. at zeros and ones
    cache : from ``batchnorm_forward`` on a training batch of N examples
    momentum : float in (0, 1], weight of the new batch

    Returns
    -------
    mean, var : new ndarrays (D,); the inputs are not modified
    """
    d = cache["mean"].shape[0]
    running_mean = check_shape("running_mean", running_mean, (d,))
    running_var = check_shape("running_var", running_var, (d,))
    check_number("momentum", momentum, 0, 1, open_low=True)
    n = cache["x_hat"].shape[0]
    unbiased = cache["var"] * n / (n - 1)
    return (
        (1 - momentum) * running_mean + momentum * cache["mean"],
        (1 - momentum) * running_var + momentum * unbiased,
    )


def batchnorm_eval(x, gamma, beta, running_mean, running_var, eps=1e-5):
    """Batch normalization in evaluation mode: fixed statistics, any N >= 1.

    Parameters
    ----------
    x : ndarray (N, D)
    gamma, beta, running_mean, running_var : ndarray (D,)
    eps : float > 0

    Returns
    -------
    out : ndarray (N, D), gamma * (x - running_mean) / sqrt(running_var + eps) + beta,
        a fixed affine map of each example, independent of the rest of the batch
    """
    x = check_shape("x", x, ("N", "D"))
    d = x.shape[1]
    gamma = check_shape("gamma", gamma, (d,))
    beta = check_shape("beta", beta, (d,))
    running_mean = check_shape("running_mean", running_mean, (d,))
    running_var = check_shape("running_var", running_var, (d,))
    _check_eps(eps)
    # a negative variance would be a NaN in the output, not an error
    if not (check_finite("running_var", running_var) >= 0).all():
        raise ValueError(f"running_var must be >= 0, got min {running_var.min()}")
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
