import numpy as np
from selfcheck_support import answers_clearly, says

from dlnotes.selfcheck import cnn as check


def test_output_side_accepts_the_floored_size_and_names_the_slips():
    assert check.output_side(28, 5, 1, 2, 28)
    # 28 + 4 - 5 = 27 is odd: floored to 14, as every framework does
    assert check.output_side(28, 5, 2, 2, 14)
    assert says(check.output_side(28, 5, 2, 2, "error"), "frameworks round down")
    assert says(check.output_side(28, 5, 2, 2, " Error "), "drop the last rows")
    assert says(check.output_side(28, 5, 2, 2, 14.5), "round it down")
    assert says(check.output_side(28, 5, 2, 2, 15), "rounds up (ceil mode)")
    assert says(check.output_side(28, 5, 2, 2, 12), "pad both sides first")
    assert says(check.output_side(28, 5, 2, 2, 13), "add 1 for the first window")
    assert says(check.output_side(28, 5, 2, 2, 16), "floor((H + 2P - K) / S) + 1")
    assert says(check.output_side(28, 5, 1, 2, 24), "pad both sides first")
    assert says(check.output_side(28, 5, 1, 2, 27), "add 1 for the first window")
    assert says(check.output_side(28, 5, 1, 2, 30), "floor((H + 2P - K) / S) + 1")
    # only a kernel larger than the padded input has no output
    assert check.output_side(2, 5, 1, 1, "error") and check.output_side(2, 5, 1, 1, "ERROR")
    assert says(check.output_side(2, 5, 1, 1, 0), "larger than the padded input")
    assert says(check.output_side(28, 5, 1, 2, np.array([28, 28])), "expected a single number")
    assert says(check.output_side(28, 5, 1, 2, np.array([28])), "expected a single number")
    assert says(check.output_side(28, 5, 1, 2, None), "No answer yet")


def test_parameter_counts_name_the_missing_bias_and_channels():
    assert check.conv_params(3, 16, 3, 448)
    assert says(check.conv_params(3, 16, 3, 432), "add one bias per filter")
    assert says(check.conv_params(3, 16, 3, 160), "for every input channel")
    assert says(check.conv_params(3, 16, 3, 449), "the image size does not matter")
    assert answers_clearly(lambda a: check.conv_params(3, 16, 3, a), ())
    assert check.dense_params_same_output(3, 32, 16, 3, 1, 50_348_032)
    dense = lambda a: check.dense_params_same_output(3, 32, 16, 3, 1, a)  # noqa: E731
    assert says(dense(3072 * 16384), "one bias per output")


def test_maxpool_backward_accepts_the_routed_gradient_and_names_the_slips():
    dx = np.zeros((4, 4))
    dx[1, 0], dx[1, 3], dx[2, 1], dx[3, 2] = 1.0, -2.0, 0.5, 3.0
    assert check.maxpool_backward(dx) and check.maxpool_backward(dx[None, None].tolist())
    dout = check.pooling_exercise()[1][0, 0]
    assert says(check.maxpool_backward(np.kron(dout, np.ones((2, 2))) / 4), "average pooling")
    assert says(check.maxpool_backward(np.kron(dout, np.ones((2, 2)))), "other three positions")
    assert says(check.maxpool_backward((dx != 0) * 1.0), "not 1")
    assert says(check.maxpool_backward(dx.T), "position of its maximum")
    assert answers_clearly(check.maxpool_backward, (4, 4))


def test_one_by_one_conv_accepts_the_dense_layer_and_names_the_slips():
    x, W, b = check.one_by_one_exercise()
    out = np.einsum("nchw,fc->nfhw", x, W[:, :, 0, 0]) + b[:, None, None]
    assert check.one_by_one_conv(out)
    assert says(check.one_by_one_conv(out - b[:, None, None]), "add the bias")
    assert says(check.one_by_one_conv(out.transpose(0, 1, 3, 2)), "rows and columns are swapped")
    assert says(check.one_by_one_conv(out[::-1]), "reads one pixel at a time")
    assert answers_clearly(check.one_by_one_conv, out.shape)
    # the hint guides without the recipe: no call, no reshape, no axis order
    hint = repr(check.one_by_one_conv(None))
    for recipe in ["transpose(", "reshape(", "(0, 2, 3, 1)", "W.reshape", "(2, 4, 4, 5)"]:
        assert recipe not in hint


def test_one_by_one_inputs_counts_the_channels_of_one_pixel():
    assert check.one_by_one_inputs(3)  # C = 3 numbers: one pixel, every channel
    assert says(check.one_by_one_inputs(1), "over all input channels")
    assert says(check.one_by_one_inputs(48), "the whole image")
    assert says(check.one_by_one_inputs(96), "the whole batch")
    assert says(check.one_by_one_inputs(27), "3x3 window")
    assert says(check.one_by_one_inputs(5), "every input channel there")
    assert answers_clearly(check.one_by_one_inputs, ())


def test_receptive_field_names_the_sum_and_the_product_of_kernels():
    layers = [(3, 1)] * 3
    assert check.receptive_field_side(layers, 7)
    assert says(check.receptive_field_side(layers, 9), "each layer adds K - 1")
    assert says(check.receptive_field_side(layers, 27), "not by multiplication")
    assert says(check.receptive_field_side(layers, 8), "start at 1")
    assert answers_clearly(lambda a: check.receptive_field_side(layers, a), ())
