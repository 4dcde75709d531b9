import numpy as np
import pytest

from dlnotes.conv import (
    avgpool2d_backward,
    avgpool2d_forward,
    conv1d_matrix,
    conv2d_backward,
    conv2d_flops,
    conv2d_forward,
    dropped,
    flatten_backward,
    flatten_forward,
    maxpool2d_backward,
    maxpool2d_forward,
    output_size,
    receptive_field,
)
from dlnotes.gradcheck import assert_grad_within, fd_error_bound, numerical_gradient

# (N, C, H, W, F, KH, KW, stride, pad): square and non-square images and kernels,
# strides 1 to 3, paddings 0 to 2, a 1x1 kernel and a kernel as large as the input;
# the last two have strides that do not divide H + 2 pad - K (the output is
# floored and the last rows or columns are dropped): 3x3, stride 2, pad 1 on an
# even side, and stride 3 with one row and one column in no window
CONV_CASES = [
    (2, 1, 5, 5, 3, 3, 3, 1, 0),
    (2, 3, 6, 5, 2, 3, 2, 1, 1),
    (1, 2, 7, 7, 4, 3, 3, 2, 0),
    (3, 2, 4, 5, 2, 2, 3, 3, 2),
    (2, 3, 4, 4, 5, 1, 1, 1, 0),
    (2, 2, 4, 4, 3, 4, 4, 1, 0),
    (1, 1, 3, 3, 2, 5, 5, 2, 1),
    (2, 2, 8, 6, 3, 3, 3, 2, 1),
    (1, 3, 7, 6, 2, 3, 2, 3, 0),
]


def conv_by_definition(x, W, b, stride, pad):
    """The defining sum, one output pixel at a time: an independent replay."""
    n, _, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    out = np.empty((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("ncpq,fcpq->nf", patch, W) + b
    return out


def random_conv(case, seed=0):
    n, c, h, w, f, kh, kw, stride, pad = case
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)),
            rng.normal(size=f), stride, pad)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_forward_is_the_cross_correlation_sum(case):
    x, W, b, stride, pad = random_conv(case)
    out, _ = conv2d_forward(x, W, b, stride, pad)
    np.testing.assert_allclose(out, conv_by_definition(x, W, b, stride, pad), atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_backward_matches_finite_differences(case):
    x, W, b, stride, pad = random_conv(case, seed=1)
    out, cache = conv2d_forward(x, W, b, stride, pad)
    dout = np.random.default_rng(2).normal(size=out.shape)
    dx, dW, db = conv2d_backward(dout, cache)
    f = lambda: conv2d_forward(x, W, b, stride, pad)[0]  # noqa: E731
    bound = fd_error_bound(out, dout)
    for name, arr, grad in [("x", x, dx), ("W", W, dW), ("b", b, db)]:
        assert_grad_within(name, numerical_gradient(f, arr, dout), grad, bound)


def test_conv_backward_leaves_dout_and_cache_alone():
    x, W, b, stride, pad = random_conv(CONV_CASES[3])
    out, cache = conv2d_forward(x, W, b, stride, pad)
    dout = np.ones_like(out)
    saved = [a.copy() for a in (dout, cache[0], cache[1])]
    first = conv2d_backward(dout, cache)
    second = conv2d_backward(dout, cache)
    for a, s in zip((dout, cache[0], cache[1]), saved):
        np.testing.assert_array_equal(a, s)
    for g1, g2 in zip(first, second):
        np.testing.assert_array_equal(g1, g2)


def test_dx_is_a_full_convolution_with_the_flipped_kernel_and_dW_a_correlation():
    x, W, b, _, _ = random_conv((2, 3, 6, 5, 4, 3, 2, 1, 0), seed=3)
    out, cache = conv2d_forward(x, W, b)
    dout = np.random.default_rng(4).normal(size=out.shape)
    dx, dW, db = conv2d_backward(dout, cache)
    # full convolution: pad dout by K - 1, correlate with the kernel flipped in both
    # axes and with its filter and channel axes swapped
    flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    full = conv2d_forward(np.pad(dout, ((0, 0), (0, 0), (2, 2), (1, 1))), flipped,
                          np.zeros(3))[0]
    np.testing.assert_allclose(dx, full, atol=1e-12)
    # dW[f, c] = sum over the batch of x[n, c] correlated with dout[n, f]
    corr = conv2d_forward(x.transpose(1, 0, 2, 3), dout.transpose(1, 0, 2, 3),
                          np.zeros(4))[0]
    np.testing.assert_allclose(dW, corr.transpose(1, 0, 2, 3), atol=1e-12)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)))


def test_receptive_field_is_the_support_of_the_input_gradient():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1, 1, 16, 16))
    W1, W2 = rng.normal(size=(2, 1, 3, 3)), rng.normal(size=(1, 2, 3, 3))
    z1, c1 = conv2d_forward(x, W1, np.zeros(2), pad=1)
    p1, cp = maxpool2d_forward(z1)
    z2, c2 = conv2d_forward(p1, W2, np.zeros(1))
    dout = np.zeros_like(z2)
    dout[0, 0, 2, 3] = 1.0  # one unit of the second convolution
    dp1 = conv2d_backward(dout, c2)[0]
    # through max pooling only arg-max pixels get gradient; use average pooling
    # for the support, which touches every pixel of a window
    _, ca = avgpool2d_forward(z1)
    dx = conv2d_backward(avgpool2d_backward(dp1, ca), c1)[0]
    rows, cols = np.nonzero(dx[0, 0])
    side = receptive_field([(3, 1), (2, 2), (3, 1)])
    assert side == 8
    assert rows.max() - rows.min() + 1 == side and cols.max() - cols.min() + 1 == side
    assert maxpool2d_backward(dp1, cp).shape == z1.shape


@pytest.mark.parametrize("size,kernel,stride,pad,expected",
                         [(8, 3, 1, 1, 8), (7, 3, 2, 0, 3), (5, 5, 1, 0, 1), (4, 2, 2, 0, 2),
                          (28, 5, 1, 2, 28), (1, 3, 1, 1, 1)])
def test_output_size_formula(size, kernel, stride, pad, expected):
    assert output_size(size, kernel, stride, pad) == expected


def test_conv_rejects_a_kernel_larger_than_the_padded_input():
    with pytest.raises(ValueError, match=r"kernel 5 is larger than the padded input along H: "
                                         r"H \+ 2 \* pad = 2 \+ 2 \* 1 = 4"):
        conv2d_forward(np.zeros((1, 1, 2, 6)), np.zeros((1, 1, 5, 3)), np.zeros(1), pad=1)
    with pytest.raises(ValueError, match="kernel 4 is larger than the padded input along W"):
        conv2d_forward(np.zeros((1, 1, 5, 3)), np.zeros((1, 1, 3, 4)), np.zeros(1))


@pytest.mark.parametrize("size,kernel,stride,pad,side,lost",
                         [(8, 3, 2, 0, 3, 1), (8, 3, 2, 1, 4, 1), (28, 5, 2, 2, 14, 1),
                          (7, 3, 3, 0, 2, 1), (9, 2, 4, 0, 2, 3), (8, 3, 1, 1, 8, 0)])
def test_a_stride_that_does_not_divide_floors_as_pytorch(size, kernel, stride, pad, side, lost):
    # floor((size + 2 pad - kernel) / stride) + 1, and the remainder is dropped
    assert output_size(size, kernel, stride, pad) == side
    assert dropped(size, kernel, stride, pad) == lost
    # the last window ends inside the padded input, and one more would not
    assert (side - 1) * stride + kernel == size + 2 * pad - lost
    assert side * stride + kernel > size + 2 * pad


def test_dropped_rows_and_columns_get_zero_gradient():
    # 8 x 7, 3x3 stride 2, no padding: (8 - 3) % 2 = 1, row 7 dropped, and
    # (7 - 3) % 2 = 0 columns; 3x3 pooling, stride 2, on 8 x 6: row 7 and column 5
    rng = np.random.default_rng(10)
    x = rng.normal(size=(2, 2, 8, 7))
    W, b = rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    out, cache = conv2d_forward(x, W, b, stride=2)
    assert out.shape == (2, 3, 3, 3)
    dx = conv2d_backward(np.ones_like(out), cache)[0]
    assert np.all(dx[:, :, 7] == 0) and np.all(dx[:, :, :7] != 0)
    x = x[:, :, :, :6]
    for forward, backward in [(maxpool2d_forward, maxpool2d_backward),
                              (avgpool2d_forward, avgpool2d_backward)]:
        out, cache = forward(x, 3, 2)
        assert out.shape == (2, 2, 3, 2)
        dx = backward(np.ones_like(out), cache)
        assert np.all(dx[:, :, 7] == 0) and np.all(dx[:, :, :, 5] == 0)
        assert np.all(dx[:, :, :7, :5].sum(axis=(2, 3)) > 0)


def test_a_kernel_larger_than_the_padded_input_still_fails_clearly():
    with pytest.raises(ValueError, match=r"kernel 5 is larger than the padded input along W: "
                                         r"W \+ 2 \* pad = 3 \+ 2 \* 0 = 3"):
        dropped(3, 5, 2, 0, "W")
    with pytest.raises(ValueError, match="kernel 3 is larger than the padded input along H"):
        maxpool2d_forward(np.zeros((1, 1, 2, 4)), size=3, stride=2)
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        dropped(8, 3, 0, 1)


def test_conv_names_bad_shapes_and_settings():
    x, W, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    with pytest.raises(ValueError, match=r"W must have shape \(F, 3, KH, KW\), got \(4, 2, 3, 3\)"):
        conv2d_forward(x, np.zeros((4, 2, 3, 3)), b)
    with pytest.raises(ValueError, match=r"b must have shape \(4,\), got \(3,\)"):
        conv2d_forward(x, W, np.zeros(3))
    with pytest.raises(ValueError, match=r"x must have 4 dimensions \(N, C, H, W\), got shape"):
        conv2d_forward(np.zeros((3, 5, 5)), W, b)
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        conv2d_forward(x, W, b, stride=0)
    with pytest.raises(ValueError, match="pad must be >= 0, got -1"):
        conv2d_forward(x, W, b, pad=-1)
    with pytest.raises(TypeError, match="stride must be an int, got float"):
        conv2d_forward(x, W, b, stride=1.5)
    _, cache = conv2d_forward(x, W, b, pad=1)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4, 5, 5\), got \(2, 4, 3,"):
        conv2d_backward(np.zeros((2, 4, 3, 3)), cache)


# (N, C, H, W, size, stride): non-overlapping, overlapping and gapped windows;
# the last two floor: 2x2 stride 2 on 5 x 4 drops row 4, 3x3 stride 2 on 7 x 6
# drops column 5 (and no row)
POOL_CASES = [(2, 3, 4, 4, 2, 2), (1, 2, 6, 4, 2, 2), (2, 1, 5, 5, 3, 1), (1, 2, 5, 7, 3, 2),
              (2, 2, 5, 5, 2, 3), (1, 1, 4, 4, 1, 1), (1, 2, 5, 4, 2, 2), (2, 1, 7, 6, 3, 2)]


@pytest.mark.parametrize("case", POOL_CASES)
def test_pooling_forward_matches_the_window_max_and_mean(case):
    n, c, h, w, size, stride = case
    x = np.random.default_rng(6).normal(size=(n, c, h, w))
    mx, _ = maxpool2d_forward(x, size, stride)
    av, _ = avgpool2d_forward(x, size, stride)
    for i in range(mx.shape[2]):
        for j in range(mx.shape[3]):
            win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            np.testing.assert_array_equal(mx[:, :, i, j], win.max(axis=(2, 3)))
            np.testing.assert_allclose(av[:, :, i, j], win.mean(axis=(2, 3)))


@pytest.mark.parametrize("case", POOL_CASES)
def test_pooling_backward_matches_finite_differences(case):
    n, c, h, w, size, stride = case
    rng = np.random.default_rng(7)
    # distinct values at least 1e-3 apart: no tie flips under a 1e-6 perturbation
    shape = (n, c, h, w)
    x = rng.permutation(n * c * h * w).reshape(shape) * 1e-3 + rng.normal(0, 1e-5, shape)
    for forward, backward in [(maxpool2d_forward, maxpool2d_backward),
                              (avgpool2d_forward, avgpool2d_backward)]:
        out, cache = forward(x, size, stride)
        dout = rng.normal(size=out.shape)
        dx = backward(dout, cache)
        num = numerical_gradient(lambda: forward(x, size, stride)[0], x, dout)  # noqa: B023
        # pooling is piecewise linear: no truncation error between its kinks
        assert_grad_within(f"x ({forward.__name__})", num, dx, fd_error_bound(out, dout, d3=0))


def test_maxpool_routes_the_gradient_to_the_arg_max_first_on_ties():
    x = np.array([[[[1.0, 3.0, 2.0, 2.0],
                    [0.0, -1.0, 0.0, 1.0],
                    [5.0, 5.0, 0.0, 0.0],
                    [4.0, 5.0, 0.0, 0.0]]]])
    out, cache = maxpool2d_forward(x)
    np.testing.assert_array_equal(out, [[[[3.0, 2.0], [5.0, 0.0]]]])
    dx = maxpool2d_backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0, 10, 20, 0], [0, 0, 0, 0],
                                         [30, 0, 40, 0], [0, 0, 0, 0]]]])


def test_pooling_names_bad_dout():
    _, cache = maxpool2d_forward(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3, 2, 2\), got \(2, 3, 4"):
        maxpool2d_backward(np.zeros((2, 3, 4, 4)), cache)
    _, cache = avgpool2d_forward(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3, 2, 2\), got \(1, 3, 2"):
        avgpool2d_backward(np.zeros((1, 3, 2, 2)), cache)
    with pytest.raises(ValueError, match="kernel 5 is larger than the padded input along H"):
        avgpool2d_forward(np.zeros((1, 1, 4, 4)), size=5, stride=1)


def test_flatten_round_trip_and_gradient():
    x = np.random.default_rng(8).normal(size=(2, 3, 2, 4))
    out, cache = flatten_forward(x)
    assert out.shape == (2, 24)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    dout = np.random.default_rng(9).normal(size=out.shape)
    assert_grad_within("x", numerical_gradient(lambda: flatten_forward(x)[0], x, dout),
                       flatten_backward(dout, cache), fd_error_bound(out, dout, d3=0))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 24\), got \(2, 23\)"):
        flatten_backward(np.zeros((2, 23)), cache)


def test_receptive_field_grows_by_kernel_minus_one_times_the_jump():
    assert receptive_field([]) == 1
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(3, 1), (2, 2), (3, 1), (2, 2)]) == 10


def test_conv2d_flops_counts_the_three_matrix_products():
    x, W, b, stride, pad = random_conv(CONV_CASES[2])
    _, (cols, *_) = conv2d_forward(x, W, b, stride, pad)
    f = W.shape[0]
    assert conv2d_flops(x.shape, W.shape, stride, pad) == 3 * 2 * f * cols.size
    assert conv2d_flops((64, 1, 8, 8), (16, 1, 3, 3), 1, 1) == 3 * 2 * 16 * 9 * 64 * 64


@pytest.mark.parametrize("case", POOL_CASES)
def test_maxpool_routes_each_window_to_its_first_arg_max(case):
    # replayed window by window with np.argmax (row-major, first of ties);
    # small integer values make ties common and every sum exact
    n, c, h, w, size, stride = case
    rng = np.random.default_rng(9)
    x = rng.integers(0, 3, size=(n, c, h, w)).astype(float)
    out, cache = maxpool2d_forward(x, size, stride)
    dout = rng.integers(-5, 6, size=out.shape).astype(float)
    expected = np.zeros_like(x)
    for i, j in np.ndindex(out.shape[2:]):
        win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
        flat = win.reshape(n, c, size * size)
        np.testing.assert_array_equal(out[:, :, i, j], flat.max(axis=2))
        for (a, b), k in np.ndenumerate(flat.argmax(axis=2)):
            p, q = divmod(k, size)
            expected[a, b, i * stride + p, j * stride + q] += dout[a, b, i, j]
    np.testing.assert_array_equal(maxpool2d_backward(dout, cache), expected)


def test_maxpool_takes_a_nan_as_the_window_maximum_as_argmax_does():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 1, 0] = x[0, 0, 0, 3] = np.nan
    out, cache = maxpool2d_forward(x)
    assert np.isnan(out[0, 0, 0, 0]) and np.isnan(out[0, 0, 0, 1])
    dx = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    expected = np.zeros((4, 4))
    expected[1, 0] = expected[0, 3] = expected[3, 1] = expected[3, 3] = 1.0
    np.testing.assert_array_equal(dx[0, 0], expected)


@pytest.mark.parametrize("size,K,stride,pad", [(6, 3, 1, 1), (7, 3, 1, 0), (6, 3, 2, 1),
                                              (9, 4, 3, 2), (5, 5, 1, 2), (4, 1, 1, 0)])
def test_conv1d_matrix_is_the_layer_and_its_transpose_the_input_gradient(size, K, stride, pad):
    rng = np.random.default_rng(11)
    k, x = rng.normal(size=K), rng.normal(size=size)
    T = conv1d_matrix(k, size, stride, pad)
    ow = output_size(size, K, stride, pad)
    assert T.shape == (ow, size)
    # forward: the defining sum, one output at a time, on the padded signal
    xp = np.pad(x, pad)
    direct = [sum(k[p] * xp[stride * i + p] for p in range(K)) for i in range(ow)]
    np.testing.assert_allclose(T @ x, direct, atol=1e-12)
    # as conv2d on a 1 x W image padded by hand along W only
    y, cache = conv2d_forward(xp[None, None, None], k[None, None, None], np.zeros(1), stride)
    np.testing.assert_allclose(T @ x, y.ravel(), atol=1e-12)
    # backward: dx = T^T delta is conv2d_backward's dx, without the padding
    delta = rng.normal(size=ow)
    dxp = conv2d_backward(delta[None, None, None], cache)[0].ravel()
    np.testing.assert_allclose(T.T @ delta, dxp[pad:pad + size], atol=1e-12)
    if stride == 1:  # the full convolution of delta with the flipped kernel
        full = np.correlate(np.pad(delta, K - 1), k[::-1], "valid")  # size + 2 pad
        np.testing.assert_allclose(T.T @ delta, full[pad:pad + size], atol=1e-12)
    # weight sharing and locality: each row is the kernel, S further right
    assert np.count_nonzero(T) <= ow * K


def test_conv1d_matrix_prints_the_band():
    T = conv1d_matrix(np.array([1.0, 2.0, 3.0]), 5, pad=1)
    np.testing.assert_array_equal(T, [[2, 3, 0, 0, 0], [1, 2, 3, 0, 0], [0, 1, 2, 3, 0],
                                      [0, 0, 1, 2, 3], [0, 0, 0, 1, 2]])
    np.testing.assert_array_equal(conv1d_matrix(np.array([1.0, 2.0]), 5, stride=2),
                                  [[1, 2, 0, 0, 0], [0, 0, 1, 2, 0]])  # column 4 dropped
    with pytest.raises(ValueError, match=r"kernel must have 1 dimensions \(K,\), got shape \(1, 3"):
        conv1d_matrix(np.ones((1, 3)), 5)
    with pytest.raises(ValueError, match="kernel 4 is larger than the padded input along W"):
        conv1d_matrix(np.ones(4), 2)
