"""Losses over sequences with a padding mask, and sampling for generation.

A batch of sequences of different lengths is padded to one length T; the
boolean ``mask`` (N, T) is True at real steps. Padded steps contribute neither
to the loss nor to its gradient, and the loss is the mean over real steps, so
padding a batch further never changes it.
"""

import numpy as np

from ._checks import check_finite, check_number, check_rng, check_shape


def _check_targets_mask(logits, targets, mask):
    N, T, M = logits.shape
    targets = np.asarray(targets)
    if targets.shape != (N, T):
        raise ValueError(f"targets must have shape ({N}, {T}), got {targets.shape}")
    if not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(f"targets must be integers, got dtype {targets.dtype}")
    if mask is None:
        mask = np.ones((N, T), dtype=bool)
    mask = np.asarray(mask)
    if mask.shape != (N, T):
        raise ValueError(f"mask must have shape ({N}, {T}), got {mask.shape}")
    if mask.dtype != bool:
        raise TypeError(f"mask must be boolean, got dtype {mask.dtype}")
    if not mask.any():
        raise ValueError("mask must keep at least one step")
    real = targets[mask]
    if real.min() < 0 or real.max() >= M:
        raise ValueError(
            f"targets at unmasked steps must lie in [0, {M}), got range "
            f"[{real.min()}, {real.max()}]"
        )
    return np.where(mask, targets, 0), mask


def sequence_cross_entropy(logits, targets, mask=None):
    """Mean softmax cross-entropy over the real (unmasked) steps.

    L = -(1 / n) sum over (i, t) with mask[i, t] of log softmax(logits[i, t])[targets[i, t]],
    with n the number of real steps.

    Parameters
    ----------
    logits : ndarray (N, T, M)
    targets : int array (N, T), values in [0, M) at real steps (anything at padding)
    mask : bool array (N, T), optional; None means every step is real

    Returns
    -------
    loss : float
    dlogits : ndarray (N, T, M), (softmax - onehot) / n at real steps, 0 at padding
    """
    logits = check_shape("logits", logits, ("N", "T", "M"))
    targets, mask = _check_targets_mask(logits, targets, mask)
    shifted = logits - logits.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], axis=2)[..., 0]
    n = mask.sum()
    loss = -float(picked[mask].sum() / n)
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, targets[..., None],
                      np.take_along_axis(dlogits, targets[..., None], axis=2) - 1.0, axis=2)
    return loss, dlogits * (mask[..., None] / n)


def last_step_mask(mask):
    """The mask of each sequence's last real step, for many-to-one models.

    A many-to-one loss is ``sequence_cross_entropy(logits, labels repeated
    over T, last_step_mask(mask))``: only the output after the whole
    sequence counts.

    Parameters
    ----------
    mask : bool array (N, T), True at real steps, real steps first

    Returns
    -------
    last : bool array (N, T), True only at step lengths[i] - 1 of row i
    """
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.dtype != bool:
        raise ValueError(f"mask must be a boolean (N, T) array, got {mask.dtype} {mask.shape}")
    lengths = mask.sum(axis=1)
    if np.any(lengths == 0):
        raise ValueError("every row of mask must have at least one real step")
    last = np.zeros_like(mask)
    last[np.arange(mask.shape[0]), lengths - 1] = True
    return last


def masked_accuracy(logits, targets, mask=None):
    """Fraction of real steps where argmax(logits) equals the target.

    logits (N, T, M), targets (N, T), mask (N, T) or None; returns a float.
    """
    logits = check_finite("logits", check_shape("logits", logits, ("N", "T", "M")))
    targets, mask = _check_targets_mask(logits, targets, mask)
    return float(np.mean((logits.argmax(axis=2) == targets)[mask]))


def sample_from_logits(logits, rng, temperature=1.0):
    """Draw one class per row from softmax(logits / temperature).

    Parameters
    ----------
    logits : ndarray (N, M)
    rng : np.random.Generator
    temperature : float >= 0; 0 takes the argmax (greedy), values below 1
        sharpen the distribution, above 1 flatten it

    Returns
    -------
    choice : int array (N,)
    """
    logits = check_finite("logits", check_shape("logits", logits, ("N", "M")))
    check_number("temperature", temperature, 0)
    rng = check_rng("rng", rng)
    if temperature == 0:
        return logits.argmax(axis=1)
    z = logits / temperature
    p = np.exp(z - z.max(axis=1, keepdims=True))
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random((logits.shape[0], 1))
    return np.minimum((cdf < u).sum(axis=1), logits.shape[1] - 1)
