"""Small 2-D data sets made with numpy, for the classifiers of chapter 1."""

import numpy as np

from ._checks import check_int, check_number, check_rng


def _check(n, noise, rng):
    check_int("n", n, 2)
    check_number("noise", noise, 0)
    return check_rng("rng", rng)


def two_moons(n, noise, rng):
    """Two interleaved half circles.

    Parameters
    ----------
    n : int, number of points (half per class)
    noise : float, std of the Gaussian noise added to each coordinate
    rng : np.random.Generator or an int seed

    Returns
    -------
    x : ndarray (n, 2), standardised to zero mean and unit variance
    labels : int array (n,), 0 or 1
    """
    rng = _check(n, noise, rng)
    n0 = n // 2
    t0 = rng.uniform(0, np.pi, n0)
    t1 = rng.uniform(0, np.pi, n - n0)
    x = np.concatenate([
        np.stack([np.cos(t0), np.sin(t0)], axis=1),
        np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1),
    ])
    x += rng.normal(0, noise, x.shape)
    labels = np.concatenate([np.zeros(n0, int), np.ones(n - n0, int)])
    return (x - x.mean(0)) / x.std(0), labels


def spirals(n, noise, rng, turns=1.5):
    """Two interleaved spirals; same return as ``two_moons``."""
    rng = _check(n, noise, rng)
    check_number("turns", turns, 0, open_low=True)
    n0 = n // 2
    out = []
    for k, m in enumerate([n0, n - n0]):
        r = np.sqrt(rng.uniform(0.05, 1, m))
        t = r * turns * 2 * np.pi + k * np.pi
        out.append(np.stack([r * np.cos(t), r * np.sin(t)], axis=1))
    x = np.concatenate(out) + rng.normal(0, noise, (n, 2))
    labels = np.concatenate([np.zeros(n0, int), np.ones(n - n0, int)])
    return (x - x.mean(0)) / x.std(0), labels
