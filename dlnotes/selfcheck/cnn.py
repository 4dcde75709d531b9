"""Self-checks for chapter 3: convolutional networks."""

import numpy as np

from ..cnn import param_count
from ..conv import (
    conv2d_backward,
    conv2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
    output_size,
    receptive_field,
)
from . import _not_yet, check_answer


def output_side(size, kernel, stride, pad, answer):
    """Check the output side of a convolution or pooling layer, e.g.
    ``output_side(28, 5, 1, 2, 28)``. Where the stride does not divide
    size + 2 pad - kernel the answer is floored, as every framework does;
    answer ``"error"`` only where the kernel is larger than the padded input
    (``conv.output_size`` raises)."""
    try:
        expected = output_size(size, kernel, stride, pad)
    except ValueError:
        expected = "error"
    if isinstance(answer, str):
        answer = answer.strip().lower()
    span = size + 2 * pad - kernel
    hint = ("floor((H + 2P - K) / S) + 1: pad both sides, count the window "
            "positions one stride apart that fit, and add the first one; only a "
            "kernel larger than the padded input is an \"error\".")
    if expected == "error":
        return check_answer(answer, expected, hint)
    if isinstance(answer, str) and answer == "error":
        return _not_yet(hint, "the windows need not tile the padded input: "
                        "frameworks round down and drop the last rows and columns, "
                        "which fall in no window.")
    wrong = [((size - kernel) // stride + 1, "pad both sides first: H + 2P."),
             (span // stride, "add 1 for the first window position.")]
    if span % stride:
        wrong += [(span / stride + 1, "(H + 2P - K) / S is not a whole number "
                   "of steps: round it down, the last partial step has no window."),
                  (-(-span // stride) + 1, "that rounds up (ceil mode): a last "
                   "window would hang over the padded input; the default rounds "
                   "down.")]
    return check_answer(answer, expected, hint, wrong=wrong)


def conv_params(channels, filters, kernel, answer):
    """Check the parameter count of a conv layer with ``filters`` filters of
    ``kernel`` x ``kernel`` on ``channels`` input channels."""
    layer = {"W": np.zeros((filters, channels, kernel, kernel)), "b": np.zeros(filters)}
    return check_answer(
        answer, param_count(layer),
        "each filter has one weight per input channel and kernel position, "
        "C * K * K, plus one bias; the image size does not matter.",
        wrong=[(filters * channels * kernel**2, "add one bias per filter."),
               (filters * (kernel**2 + 1), "each filter has a K x K kernel for every "
                "input channel: C * K * K weights.")],
    )


def dense_params_same_output(channels, side, filters, kernel, pad, answer):
    """Check the parameter count of a dense layer that maps the same input
    (channels, side, side) to the same output as a stride-1 conv layer."""
    out = output_size(side, kernel, 1, pad)
    n_in, n_out = channels * side * side, filters * out * out
    layer = {"W": np.zeros((n_out, n_in)), "b": np.zeros(n_out)}
    return check_answer(
        answer, param_count(layer),
        "a dense layer connects every input number (C H W of them) to every "
        "output number (F OH OW), plus one bias per output.",
        wrong=[(n_in * n_out, "add one bias per output number: F OH OW of them.")],
    )


def pooling_exercise():
    """The 4x4 input x (1, 1, 4, 4) and upstream gradient dout (1, 1, 2, 2) of
    the max-pooling exercise (2x2 windows, stride 2)."""
    x = np.array([[3, 1, 0, 2],
                  [4, 2, 1, 5],
                  [0, 6, 2, 2],
                  [1, 3, 7, 1]], dtype=np.float64)[None, None]
    dout = np.array([[1.0, -2.0], [0.5, 3.0]])[None, None]
    return x, dout


def maxpool_backward(answer):
    """Check dL/dx (4, 4), or (1, 1, 4, 4), of the max-pooling exercise."""
    x, dout = pooling_exercise()
    dx = maxpool2d_backward(dout, maxpool2d_forward(x)[1])
    if np.size(answer) == 16:  # (4, 4) or (1, 1, 4, 4)
        answer = np.reshape(answer, (4, 4))
    spread = np.kron(dout[0, 0], np.ones((2, 2)))
    return check_answer(
        answer, dx[0, 0],
        "each window passes its upstream gradient to the position of its "
        "maximum; the other three positions get 0.",
        wrong=[(spread / 4, "that is average pooling's gradient: max pooling "
                "sends all of it to the maximum."),
               (spread, "only the maximum of each window gets the gradient; the "
                "other three positions get 0."),
               ((dx[0, 0] != 0).astype(float), "each maximum gets its window's "
                "upstream gradient, not 1.")],
    )


def one_by_one_exercise():
    """x (2, 3, 4, 4), W (5, 3, 1, 1) and b (5,) of the 1x1-convolution exercise."""
    rng = np.random.default_rng(3)
    return rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(5, 3, 1, 1)), rng.normal(size=5)


def one_by_one_conv(answer):
    """Check the output (2, 5, 4, 4) of the 1x1 convolution of the exercise,
    computed without ``conv2d_forward``."""
    x, W, b = one_by_one_exercise()
    out = conv2d_forward(x, W, b)[0]
    return check_answer(
        answer, out,
        "a 1x1 kernel reads one pixel at a time, all of its channels. Which "
        "axis of x must come last, and what shape, so that each row handed to "
        "dense_forward is one pixel? Which weight matrix maps 3 channels to 5 "
        "filters? Then undo the same steps in reverse order.",
        6, [(out - b[:, None, None], "add the bias b."),
            (out.transpose(0, 1, 3, 2), "rows and columns are swapped: undo the "
             "reshape into the order the pixels came in, then move the axes back.")],
    )


def one_by_one_inputs(answer):
    """Check the second question of the 1x1 exercise: on how many entries of
    x (2, 3, 4, 4) does one output number out[n, f, i, j] depend?

    Counted by dlnotes as the entries of x where the gradient of that one
    output is nonzero (the weights are nonzero)."""
    x, W, b = one_by_one_exercise()
    out, cache = conv2d_forward(x, W, b)
    one = np.zeros_like(out)
    one[1, 2, 3, 1] = 1.0
    expected = int(np.count_nonzero(conv2d_backward(one, cache)[0]))
    n, c, h, w = x.shape
    return check_answer(
        answer, expected,
        "a 1x1 window covers one pixel; the filter still sums over every input "
        "channel there.",
        wrong=[(1, "the filter sums over all input channels at its pixel, not one."),
               (c * h * w, "that is the whole image: a 1x1 window sees one pixel."),
               (n * c * h * w, "that is the whole batch: one output number belongs "
                "to one image and one pixel."),
               (9 * c, "that would be a 3x3 window; this kernel is 1x1.")],
    )


def receptive_field_side(layers, answer):
    """Check the receptive field of a stack of ``layers`` [(kernel, stride), ...]."""
    return check_answer(
        answer, receptive_field(layers),
        "start at 1; each layer adds (K - 1) times the product of the strides "
        "of the layers before it.",
        wrong=[(sum(k for k, _ in layers), "a 3x3 layer on top of another sees 2 "
                "more pixels, not 3: each layer adds K - 1."),
               (int(np.prod([k for k, _ in layers])), "the fields grow by addition, "
                "K - 1 per layer (times the strides below), not by multiplication.")],
    )
