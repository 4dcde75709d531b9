import numpy as np
import pytest

from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient
from dlnotes.losses import softmax_cross_entropy
from dlnotes.seqloss import (
    last_step_mask,
    masked_accuracy,
    sample_from_logits,
    sequence_cross_entropy,
)


def _batch(seed=0, N=3, T=5, M=4):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(N, T, M))
    targets = rng.integers(0, M, size=(N, T))
    mask = np.arange(T)[None] < np.array([5, 2, 4])[:, None]
    return logits, targets, mask


def test_loss_is_the_mean_cross_entropy_over_real_steps_only():
    logits, targets, mask = _batch()
    loss, dlogits = sequence_cross_entropy(logits, targets, mask)
    flat_loss, flat_grad = softmax_cross_entropy(logits[mask], targets[mask])
    assert loss == pytest.approx(flat_loss, rel=1e-12)
    np.testing.assert_allclose(dlogits[mask], flat_grad, rtol=1e-12)
    np.testing.assert_array_equal(dlogits[~mask], 0.0)


@pytest.mark.parametrize("N,T,M", [(1, 1, 2), (3, 5, 4)])
def test_gradient_matches_finite_differences(N, T, M):
    logits, targets, _ = _batch(1, N, T, M)
    mask = np.ones((N, T), dtype=bool)
    mask[0, -1] = N * T == 1  # pad one step unless it is the only one
    loss, dlogits = sequence_cross_entropy(logits, targets, mask)
    f = lambda: sequence_cross_entropy(logits, targets, mask)[0]  # noqa: E731
    assert_grad_within("logits", numerical_gradient(f, logits), dlogits, fd_error_bound(loss))


def test_padding_further_changes_nothing():
    logits, targets, mask = _batch()
    more = np.concatenate([logits, 100 * np.ones((3, 2, 4))], axis=1)
    more_targets = np.concatenate([targets, -np.ones((3, 2), int)], axis=1)  # junk at padding
    more_mask = np.concatenate([mask, np.zeros((3, 2), bool)], axis=1)
    a = sequence_cross_entropy(logits, targets, mask)
    b = sequence_cross_entropy(more, more_targets, more_mask)
    assert a[0] == pytest.approx(b[0], rel=1e-14)
    np.testing.assert_allclose(b[1][:, :5], a[1])
    assert masked_accuracy(logits, targets, mask) == masked_accuracy(more, more_targets, more_mask)


def test_no_mask_means_every_step_counts():
    logits, targets, _ = _batch()
    full = np.ones(targets.shape, bool)
    assert sequence_cross_entropy(logits, targets)[0] == sequence_cross_entropy(
        logits, targets, full)[0]


def test_loss_is_stable_for_huge_logits():
    logits = np.array([[[1000.0, -1000.0]]])
    loss, d = sequence_cross_entropy(logits, np.array([[0]]))
    assert loss == 0.0 and np.all(np.isfinite(d))


def test_bad_targets_and_masks_are_named():
    logits, targets, mask = _batch()
    with pytest.raises(ValueError, match=r"targets must have shape \(3, 5\), got \(3, 4\)"):
        sequence_cross_entropy(logits, targets[:, :4], mask)
    with pytest.raises(TypeError, match="targets must be integers"):
        sequence_cross_entropy(logits, targets.astype(float), mask)
    with pytest.raises(ValueError, match=r"mask must have shape \(3, 5\), got \(5,\)"):
        sequence_cross_entropy(logits, targets, mask[0])
    with pytest.raises(TypeError, match="mask must be boolean"):
        sequence_cross_entropy(logits, targets, mask.astype(int))
    with pytest.raises(ValueError, match="at least one step"):
        sequence_cross_entropy(logits, targets, np.zeros_like(mask))
    with pytest.raises(ValueError, match=r"targets at unmasked steps must lie in \[0, 4\)"):
        sequence_cross_entropy(logits, np.where(mask, 4, 0), mask)
    with pytest.raises(ValueError, match=r"logits must have 3 dimensions"):
        sequence_cross_entropy(logits[0], targets, mask)


def test_last_step_mask_marks_each_rows_last_real_step():
    _, _, mask = _batch()
    last = last_step_mask(mask)
    np.testing.assert_array_equal(np.argwhere(last), [[0, 4], [1, 1], [2, 3]])
    with pytest.raises(ValueError, match="at least one real step"):
        last_step_mask(np.zeros((2, 3), bool))
    with pytest.raises(ValueError, match="boolean"):
        last_step_mask(np.ones((2, 3)))


def test_masked_accuracy_counts_real_steps():
    logits = np.array([[[2.0, 0.0], [0.0, 2.0], [0.0, 2.0]]])
    mask = np.array([[True, True, False]])
    assert masked_accuracy(logits, np.array([[0, 0, 0]]), mask) == 0.5


def test_sampling_at_temperature_zero_is_the_argmax():
    logits = np.random.default_rng(0).normal(size=(6, 5))
    np.testing.assert_array_equal(
        sample_from_logits(logits, np.random.default_rng(1), 0), logits.argmax(1))


def test_sampling_frequencies_follow_the_softmax():
    logits = np.tile(np.log([[0.5, 0.3, 0.2]]), (20000, 1))
    draws = sample_from_logits(logits, np.random.default_rng(2))
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0.5, 0.3, 0.2], atol=0.01)
    cold = sample_from_logits(logits, np.random.default_rng(2), temperature=0.1)
    assert np.mean(cold == 0) > 0.99


def test_sampling_rejects_a_negative_temperature():
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        sample_from_logits(np.zeros((1, 2)), np.random.default_rng(0), -1.0)
