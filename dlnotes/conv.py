"""2-D convolution and pooling on image batches, as im2col matrix products.

Images are (N, C, H, W): batch, channels, height, width. A convolution layer has
F filters W (F, C, KH, KW) and biases b (F,) and computes the cross-correlation
every framework calls convolution,

    out[n, f, i, j] = b[f] + sum_{c, p, q} W[f, c, p, q] x_pad[n, c, S i + p, S j + q],

with stride S and zero padding P; the output is (N, F, OH, OW) with
OH = floor((H + 2P - KH) / S) + 1, and the same for OW. Where S does not divide
H + 2P - KH, the last (H + 2P - KH) mod S rows of the padded input fall in no
window and are dropped, as every framework does (PyTorch's default floor mode);
their gradient is zero. Pooling floors the same way.

im2col lays every receptive field out as one column of a matrix ``cols``
(C KH KW, OH OW N), so the forward is the single product ``W_mat @ cols`` with
W_mat = W reshaped to (F, C KH KW), and the backward is two products,
``dout_mat @ cols.T`` for dW and ``W_mat.T @ dout_mat`` for the columns of dx;
col2im then adds each column back onto the pixels it came from, one vectorized
add per kernel offset (KH KW of them), never a loop over pixels or images.

Speed: inside the layer the images are laid out (C, H, W, N), batch last.
im2col is then one slice copy per kernel offset whose rows are OW N numbers
long instead of OW (col2im likewise), which makes both about 1.6x faster, and
the product's result (F, OH OW N) needs no reordering of its columns.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import check_int, check_shape


def _check_int(name, value, low):
    return check_int(name, value, low)


def _check_shape_tuple(name, shape):
    if not isinstance(shape, list | tuple) or len(shape) != 4:
        raise TypeError(f"{name} must be a tuple of 4 ints, got {shape!r}")
    return tuple(_check_int(f"{name}[{k}]", s, 1) for k, s in enumerate(shape))


def output_size(size, kernel, stride=1, pad=0, axis="H"):
    """Output length along one axis: floor((size + 2 pad - kernel) / stride) + 1.

    Parameters
    ----------
    size : int, input length (H or W)
    kernel : int, window length (KH or KW)
    stride, pad : int, the step between windows and the zeros added on each side
    axis : str, named in the error messages

    Where the stride does not divide size + 2 pad - kernel, the result is
    rounded down, as in PyTorch: the last ``dropped(...)`` rows (or columns)
    of the padded input fall in no window.

    Raises
    ------
    ValueError
        when the kernel is larger than the padded input: no window fits.
    """
    padded = _padded(size, kernel, stride, pad, axis)
    return (padded - kernel) // stride + 1


def dropped(size, kernel, stride=1, pad=0, axis="H"):
    """How many of the last rows (or columns) of the padded input fall in no
    window: (size + 2 pad - kernel) mod stride. Arguments as ``output_size``.

    They are the last ones of the padded input, so the padding's zeros go
    first: with pad >= dropped only zeros are skipped; otherwise the last
    dropped - pad rows of the image itself are never read, and their
    gradient is zero.
    """
    padded = _padded(size, kernel, stride, pad, axis)
    return (padded - kernel) % stride


def _padded(size, kernel, stride, pad, axis):
    """Check the arguments of ``output_size``; return size + 2 pad."""
    if not isinstance(axis, str):
        raise TypeError(f"axis must be a str naming the axis, got {axis!r}")
    size = _check_int(f"size ({axis})", size, 1)
    kernel = _check_int("kernel", kernel, 1)
    _check_int("stride", stride, 1)
    pad = _check_int("pad", pad, 0)
    padded = size + 2 * pad
    if kernel > padded:
        raise ValueError(
            f"kernel {kernel} is larger than the padded input along {axis}: "
            f"{axis} + 2 * pad = {size} + 2 * {pad} = {padded}"
        )
    return padded


def conv1d_matrix(kernel, size, stride=1, pad=0):
    """The matrix T of a 1-D convolution layer (cross-correlation, no bias):
    y = T x for a signal x (size,), so the layer is a dense layer whose weight
    matrix is banded and weight-tied.

    Parameters
    ----------
    kernel : ndarray (K,)
    size : int, the input length W
    stride, pad : int, as in ``conv2d_forward``

    Returns
    -------
    T : ndarray (OW, W), OW = ``output_size(size, K, stride, pad)``, with
        T[i, S i - P + p] = kernel[p] where that column exists (the columns of
        the padding's zeros are left out): every row holds the same K weights
        (weight sharing), S columns further right than the row above, and zeros
        outside that band (locality). T.T @ delta is the input gradient of the
        layer, for stride 1 the full convolution of delta with the flipped kernel.
    """
    k = check_shape("kernel", kernel, ("K",))
    ow = output_size(size, k.size, stride, pad, "W")
    padded = np.zeros((ow, size + 2 * pad))
    for i in range(ow):  # row i: the kernel at padded columns S i .. S i + K - 1
        padded[i, stride * i:stride * i + k.size] = k
    return padded[:, pad:pad + size]


def receptive_field(layers):
    """Side of the input patch that one output unit of a stack of layers sees.

    Parameters
    ----------
    layers : list of (kernel, stride), first layer first (a pooling layer is
        a window too: (size, stride)).

    Returns
    -------
    int : r_L, from r_0 = 1 and jump j_0 = 1 by r_l = r_{l-1} + (K_l - 1) j_{l-1},
        j_l = j_{l-1} S_l (the jump is the input distance between neighbouring
        units of layer l).
    """
    if not isinstance(layers, list | tuple):
        raise TypeError(f"layers must be a list of (kernel, stride), got {layers!r}")
    r, j = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, list | tuple) or len(layer) != 2:
            raise TypeError(f"layers[{i}] must be a (kernel, stride) pair, got {layer!r}")
        r += (_check_int(f"layers[{i}] kernel", layer[0], 1) - 1) * j
        j *= _check_int(f"layers[{i}] stride", layer[1], 1)
    return r


def conv2d_flops(x_shape, W_shape, stride=1, pad=0):
    """Floating-point operations of the three matrix products of one conv2d
    forward + backward: each is 2 F (C KH KW) (N OH OW) (a multiply and an add
    per term), so 6 F C KH KW N OH OW in all. im2col, col2im and the bias are
    memory traffic, not counted.

    x_shape (N, C, H, W), W_shape (F, C, KH, KW); returns an int.
    """
    n, c, h, w = _check_shape_tuple("x_shape", x_shape)
    f, c_w, kh, kw = _check_shape_tuple("W_shape", W_shape)
    if c_w != c:
        raise ValueError(f"W_shape must have C = {c} channels like x_shape, got {W_shape}")
    oh, ow = output_size(h, kh, stride, pad, "H"), output_size(w, kw, stride, pad, "W")
    return 3 * 2 * f * c * kh * kw * n * oh * ow


def _pad_batch_last(x, pad):
    """x (N, C, H, W) as (C, H', W', N), with ``pad`` zeros on every side of
    each image (H' = H + 2 pad): one copy does both."""
    n, c, h, w = x.shape
    xp = np.zeros((c, h + 2 * pad, w + 2 * pad, n))
    xp[:, pad:pad + h, pad:pad + w] = x.transpose(1, 2, 3, 0)
    return xp


def _im2col(xp, kh, kw, stride, oh, ow):
    """cols (C KH KW, OH OW N) of the padded images xp (C, H', W', N).

    Row (c, p, q), column (i, j, n) holds xp[c, S i + p, S j + q, n], the
    pixel that weight W[:, c, p, q] meets at output (i, j) of image n. One
    slice copy per kernel offset (p, q); with the batch last, each row of
    such a slice is OW N contiguous numbers (the reason for the layout).
    """
    c, n = xp.shape[0], xp.shape[3]
    cols = np.empty((c, kh, kw, oh, ow, n))
    for p in range(kh):
        for q in range(kw):
            cols[:, p, q] = xp[:, p:p + stride * oh:stride, q:q + stride * ow:stride]
    return cols.reshape(c * kh * kw, oh * ow * n)


def _col2im(dcols, shape, stride):
    """The adjoint of ``_im2col``: dcols (C, KH, KW, OH, OW, N) added back,
    entry (c, p, q, i, j, n) onto pixel (c, S i + p, S j + q, n) of a zero
    array of ``shape`` (C, H', W', N). One slice add per kernel offset."""
    dxp = np.zeros(shape)
    _, kh, kw, oh, ow, _ = dcols.shape
    for p in range(kh):
        for q in range(kw):
            dxp[:, p:p + stride * oh:stride, q:q + stride * ow:stride] += dcols[:, p, q]
    return dxp


def _windows(x, kh, kw, stride):
    """View (N, C, OH, OW, KH, KW) of every window of x (N, C, H', W'); no copy."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _add_windows(cols, shape, stride):
    """col2im, the adjoint of ``_windows``: put every window entry back on its pixel.

    cols (KH, KW, A, B, OH, OW) holds one value per window entry, kernel offset
    first; entry (p, q, a, b, i, j) is added onto pixel (a, b, S i + p, S j + q)
    of a zero array of ``shape`` (A, B, H', W'). One vectorized add per kernel
    offset, so KH KW adds in all, whatever the batch and image size.
    """
    out = np.zeros(shape)
    kh, kw, _, _, oh, ow = cols.shape
    for p in range(kh):
        for q in range(kw):
            out[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += cols[p, q]
    return out


def conv2d_forward(x, W, b, stride=1, pad=0):
    """Convolution layer (cross-correlation) on a batch of images.

    Parameters
    ----------
    x : ndarray (N, C, H, W)
    W : ndarray (F, C, KH, KW), the filters
    b : ndarray (F,), one bias per filter
    stride : int >= 1
    pad : int >= 0, zeros added on every side of each image

    Returns
    -------
    out : ndarray (N, F, OH, OW), OH = floor((H + 2 pad - KH) / stride) + 1;
        where the stride does not divide H + 2 pad - KH, the last rows and
        columns of the padded input are in no window (see ``dropped``)
    cache : (cols, W, x shape, stride, pad) for the backward pass

    Raises ValueError for mismatched shapes or a kernel larger than the padded
    input (see ``output_size``).
    """
    x = check_shape("x", x, ("N", "C", "H", "W"))
    n, c, h, w = x.shape
    W = check_shape("W", W, ("F", c, "KH", "KW"))
    f, _, kh, kw = W.shape
    b = check_shape("b", b, (f,))
    oh = output_size(h, kh, stride, pad, "H")
    ow = output_size(w, kw, stride, pad, "W")
    # im2col: one row per weight (c, p, q), one column per output pixel (i, j, n)
    cols = _im2col(_pad_batch_last(x, pad), kh, kw, stride, oh, ow)
    out = W.reshape(f, -1) @ cols  # (F, OH OW N): the whole layer is one product
    out += b[:, None]  # in place: no second (F, OH OW N) array
    return out.reshape(f, oh, ow, n).transpose(3, 0, 1, 2), (cols, W, x.shape, stride, pad)


def conv2d_backward(dout, cache):
    """Gradients of ``conv2d_forward``: two matrix products and col2im.

    Parameters
    ----------
    dout : ndarray (N, F, OH, OW), upstream gradient dL/dout
    cache : from ``conv2d_forward``

    Returns
    -------
    dx : ndarray (N, C, H, W); a full convolution of dout with the flipped
        kernel (for stride 1), computed as W_mat^T @ dout_mat then col2im;
        zero on the rows and columns that the forward pass dropped
    dW : ndarray (F, C, KH, KW); the correlation of the (padded) input with
        dout, computed as dout_mat @ cols^T
    db : ndarray (F,), dout summed over the batch and every position
    """
    cols, W, (n, c, h, w), stride, pad = cache
    f, _, kh, kw = W.shape
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (w + 2 * pad - kw) // stride + 1
    dout = check_shape("dout", dout, (n, f, oh, ow))
    dout_mat = dout.transpose(1, 2, 3, 0).reshape(f, oh * ow * n)  # columns as in cols
    # dW = dout_mat cols^T, computed as its transpose cols dout_mat^T: the same
    # sums, in the orientation OpenBLAS runs about 1.25x faster at these shapes
    dW = (cols @ dout_mat.T).T.reshape(W.shape)
    db = dout_mat.sum(axis=1)
    dcols = (W.reshape(f, -1).T @ dout_mat).reshape(c, kh, kw, oh, ow, n)
    dxp = _col2im(dcols, (c, h + 2 * pad, w + 2 * pad, n), stride)  # (C, H', W', N)
    return dxp[:, pad:pad + h, pad:pad + w].transpose(3, 0, 1, 2), dW, db


def _pool_windows(x, size, stride):
    """Check a pooling input and return its windows (N, C, OH, OW, size, size)."""
    x = check_shape("x", x, ("N", "C", "H", "W"))
    _check_int("size", size, 1)
    output_size(x.shape[2], size, stride, 0, "H")
    output_size(x.shape[3], size, stride, 0, "W")
    return x, _windows(x, size, size, stride)


def maxpool2d_forward(x, size=2, stride=2):
    """Max pooling: the largest value of each size x size window, per channel.

    Parameters
    ----------
    x : ndarray (N, C, H, W)
    size : int, window side
    stride : int, step between windows (windows overlap when stride < size)

    Returns
    -------
    out : ndarray (N, C, OH, OW), OH = floor((H - size) / stride) + 1 (the
        last rows and columns in no window are dropped, as in PyTorch)
    cache : (arg-max one-hot mask (size, size, N, C, OH, OW), x shape, stride),
        kernel offset first like the columns of ``_add_windows``. Ties go to
        the first maximum in row-major order, as in every framework (a NaN
        counts as the maximum, as in ``argmax``).

    One vectorized operation per kernel offset (p, q), on the (N, C, OH, OW)
    view of the entries at that offset of every window: no copy of the
    windows, so size^2 small operations whatever the batch and image size.
    """
    x, win = _pool_windows(x, size, stride)
    at = [win[..., p, q] for p in range(size) for q in range(size)]  # row-major
    out = at[0].copy()
    for v in at[1:]:
        np.maximum(out, v, out=out)
    mask = np.empty((size, size, *out.shape), dtype=bool)
    free = np.ones(out.shape, dtype=bool)  # windows whose maximum is not placed yet
    for k, v in enumerate(at):
        m = mask[divmod(k, size)]
        np.equal(v, out, out=m)
        m &= free
        free &= ~m
    if free.any():  # NaN maxima: route to the first NaN, as argmax does
        for k, v in enumerate(at):
            m = mask[divmod(k, size)]
            m |= free & np.isnan(v)
            free &= ~m
    return out, (mask, x.shape, stride)


def maxpool2d_backward(dout, cache):
    """Route each upstream gradient to the arg-max of its window.

    Parameters
    ----------
    dout : ndarray (N, C, OH, OW)
    cache : from ``maxpool2d_forward``

    Returns
    -------
    dx : ndarray (N, C, H, W), zero except at each window's maximum; where
        windows overlap, a pixel collects the gradient of every window it wins.
        Rows and columns in no window (see ``dropped``) get zero.
    """
    mask, shape, stride = cache
    dout = check_shape("dout", dout, mask.shape[2:])
    routed = mask * dout  # (size, size, N, C, OH, OW)
    return _add_windows(routed, shape, stride)


def avgpool2d_forward(x, size=2, stride=2):
    """Average pooling: the mean of each size x size window, per channel.

    Parameters and returns as ``maxpool2d_forward``; the cache is
    (x shape, size, stride).
    """
    x, win = _pool_windows(x, size, stride)
    return win.mean(axis=(-2, -1)), (x.shape, size, stride)


def avgpool2d_backward(dout, cache):
    """Spread each upstream gradient evenly, dout / size^2, over its window.

    Returns dx : ndarray (N, C, H, W), zero on rows and columns in no window.
    """
    shape, size, stride = cache
    n, c, h, w = shape
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    dout = check_shape("dout", dout, (n, c, oh, ow))
    share = np.broadcast_to(dout / size**2, (size, size, n, c, oh, ow))
    return _add_windows(share, shape, stride)


def flatten_forward(x):
    """(N, C, H, W) -> (N, C H W), so a dense layer can follow the last pooling.

    Returns out and the cache (the input shape).
    """
    x = check_shape("x", x, ("N", "C", "H", "W"))
    n, c, h, w = x.shape
    return x.reshape(n, c * h * w), x.shape  # not -1, which an empty batch cannot infer


def flatten_backward(dout, cache):
    """(N, C H W) -> (N, C, H, W): the gradient takes the input's shape back."""
    n, c, h, w = cache
    return check_shape("dout", dout, (n, c * h * w)).reshape(cache)
