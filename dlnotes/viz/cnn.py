"""Figures and widgets of chapter 3: a 3x3 kernel on a digit, the output-size
grid, a kernel learned back from its feature maps, the digits, training
curves, the CNN against the MLP over seeds, and a trained CNN's filters and
feature maps."""

import numpy as np
from matplotlib import colormaps
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .._checks import check_choice, check_int, check_number, check_shape
from ..cnn import CNN, accuracy, comparable_mlp, load_digits, param_count, shift_images, train
from ..conv import conv2d_backward, conv2d_forward, dropped, output_size
from ..losses import softmax
from ..mlp import MLP
from .live import Choice, LiveFigure, Slider, Text

# -- a kernel on a digit --------------------------------------------------------

#: 3x3 kernels to try; "vertical edges" answers where the left is brighter than
#: the right (cross-correlation does not flip the kernel)
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "blur (box)": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "edges (Laplacian)": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "vertical edges (Sobel)": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "horizontal edges (Sobel)": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
}


def parse_kernel(text):
    """A 3x3 kernel from text: three rows separated by ";", three numbers each.

    >>> parse_kernel("1 0 -1; 2 0 -2; 1 0 -1")[1]
    array([ 2.,  0., -2.])
    """
    try:
        rows = [[float(v) for v in row.replace(",", " ").split()] for row in text.split(";")]
        kernel = np.array(rows, dtype=np.float64)
    except ValueError:
        kernel = None
    if kernel is None or kernel.shape != (3, 3) or not np.all(np.isfinite(kernel)):
        raise ValueError(
            f"kernel must be 3 rows of 3 numbers separated by ';', e.g. "
            f"'1 0 -1; 2 0 -2; 1 0 -1', got {text!r}"
        )
    return kernel


def compute_kernel_map(image, kernel, custom="1 1 1; 0 0 0; -1 -1 -1"):
    """The feature map of one image under one 3x3 kernel, padding 1, stride 1.

    Parameters
    ----------
    image : ndarray (1, H, W), one standardised digit
    kernel : a name from ``KERNELS``, or "custom" to use ``custom``
    custom : str, a kernel for ``parse_kernel``

    Returns a dict with ``image`` (H, W), ``kernel`` (3, 3) and ``fmap`` (H, W),
    or, when ``custom`` does not parse, ``error`` and no ``fmap``.
    """
    check_choice("kernel", kernel, [*KERNELS, "custom"])
    result = {"image": image[0], "name": kernel, "error": None}
    try:
        K = parse_kernel(custom) if kernel == "custom" else np.array(KERNELS[kernel], float)
    except ValueError as err:
        return {**result, "error": str(err), "kernel": None, "fmap": None}
    fmap, _ = conv2d_forward(image[None], K[None, None], np.zeros(1), pad=1)
    return {**result, "kernel": K, "fmap": fmap[0, 0]}


def _pixel_axes(ax, title):
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")


def draw_kernel_map(fig, result):
    """Digit, kernel (with its numbers) and feature map side by side."""
    axes = fig.subplots(1, 3)
    axes[0].imshow(result["image"], cmap="gray_r")
    _pixel_axes(axes[0], "input digit (dark = ink)")
    if result["error"]:
        for ax in axes[1:]:
            ax.set_axis_off()
        axes[1].text(0, 0.5, "the kernel text does not parse", fontsize=10)
        return f"<b>Error</b>: {result['error']}"
    K = result["kernel"]
    lim = max(np.abs(K).max(), 1e-12)
    axes[1].imshow(K, cmap="RdBu_r", vmin=-lim, vmax=lim)
    for (i, j), v in np.ndenumerate(K):
        axes[1].text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=10)
    _pixel_axes(axes[1], f"kernel: {result['name']}")
    axes[1].set_xticks(range(3))
    axes[1].set_yticks(range(3))
    fmap = result["fmap"]
    lim = max(np.abs(fmap).max(), 1e-12)
    axes[2].imshow(fmap, cmap="RdBu_r", vmin=-lim, vmax=lim)
    _pixel_axes(axes[2], f"feature map, from {fmap.min():.1f} (blue) to {fmap.max():.1f} (red)")
    return ("Each output pixel is the sum of the kernel times the 3x3 patch around "
            "it (zero padding 1 keeps the 8x8 size).")


def kernel_widget(images, kernel="vertical edges (Sobel)", index=0,
                  custom="1 1 1; 0 0 0; -1 -1 -1"):
    """Digit, kernel preset or custom 3x3 kernel -> the feature map.

    ``images`` (N, 1, H, W) are the digits the slider picks from; the book
    draws the first 8 with every preset (a typed kernel needs a kernel).
    The custom text box is editable only while "custom" is selected.
    """
    controls = {
        "index": Slider("digit", index, 0, len(images) - 1, 1,
                        book=sorted({index, *range(min(8, len(images)))})),
        "kernel": Choice("kernel", kernel, [*KERNELS, "custom"], book=list(KERNELS)),
        "custom": Text("custom kernel (rows split by ;)", custom, book=[custom]),
    }

    def compute(index, **kw):
        return compute_kernel_map(images[index], **kw)

    live = LiveFigure(controls, compute, draw_kernel_map, figsize=(10, 3.2),
                      alt="A digit, a 3x3 kernel with its numbers, and the feature map "
                          "it gives")
    if live.live:
        def follow(_=None):
            live.controls["custom"].disabled = live.controls["kernel"].value != "custom"
        live.controls["kernel"].observe(follow, names="value")
        follow()
    return live


# -- output size ---------------------------------------------------------------


def compute_output_grid(size, kernel, stride, pad):
    """The output side floor((size + 2 pad - kernel) / stride) + 1, or why it fails.

    Returns a dict with the settings, ``out`` (int or None), ``dropped`` (the
    last rows and columns of the padded input in no window, ``conv.dropped``;
    None on an error) and ``error`` (the message of ``conv.output_size``, or None).
    """
    result = {"size": size, "kernel": kernel, "stride": stride, "pad": pad,
              "out": None, "dropped": None, "error": None}
    try:
        result["out"] = output_size(size, kernel, stride, pad)
        result["dropped"] = dropped(size, kernel, stride, pad)
    except ValueError as err:
        result["error"] = str(err)
    return result


def _grid(ax, n):
    """An n x n grid of pixel cells, row 0 at the top."""
    ax.hlines(range(n + 1), 0, n, color="0.5", lw=0.6)
    ax.vlines(range(n + 1), 0, n, color="0.5", lw=0.6)
    ax.set_xlim(-0.2, n + 0.2)
    ax.set_ylim(n + 0.2, -0.2)
    ax.set_aspect("equal")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")


def _rows(n, word="row"):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def draw_output_grid(fig, result):
    """The padded input (padding shaded) with the windows of output pixels
    (0, 0) and (0, 1), one stride apart, the last rows and columns that no
    window reaches hatched in red, and the output grid beside it."""
    n, k, s, p = result["size"], result["kernel"], result["stride"], result["pad"]
    out, lost = result["out"], result["dropped"]
    side = n + 2 * p
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[side, max(out or 1, 3)])
    ax_in.add_patch(Rectangle((0, 0), side, side, color="0.85", lw=0))
    ax_in.add_patch(Rectangle((p, p), n, n, color="white", lw=0))
    _grid(ax_in, side)
    if out is None:
        ax_in.set_title(f"input {n} x {n}, padding {p}")
        ax_out.set_axis_off()
        ax_out.text(0, 0.5, "no valid output", color="C3", fontsize=11)
        fig.suptitle(f"({n} + 2*{p} - {k}) / {s} + 1: the kernel does not fit",
                     color="C3")
        return f"<b>Error</b>: {result['error']}"
    if lost:  # the last rows and the last columns, in no window
        for xy, w, h in [((0, side - lost), side, lost), ((side - lost, 0), lost, side)]:
            ax_in.add_patch(Rectangle(xy, w, h, fill=False, hatch="///", ec="C3", lw=0))
    colors = ["C0", "C1"]
    for j in range(min(out, 2)):
        ax_in.add_patch(Rectangle((j * s, 0), k, k, fill=False, lw=2.5, ec=colors[j],
                                  ls="-" if j == 0 else "--"))
    corners = np.arange(out) * s + 0.5
    cx, cy = np.meshgrid(corners, corners)
    ax_in.plot(cx.ravel(), cy.ravel(), ".", color="k", ms=4)
    title = f"input {n} x {n}, padding {p} (gray)"
    ax_in.set_title(title + (f", last {lost} dropped (red)" if lost else ""), fontsize=10)
    _grid(ax_out, out)
    for j in range(min(out, 2)):
        ax_out.add_patch(Rectangle((j, 0), 1, 1, color=colors[j], alpha=0.6))
    ax_out.set_title(f"output {out} x {out}")
    rounded = "floor" if lost else ""
    fig.suptitle(f"kernel {k}, stride {s}: {rounded}(({n} + 2*{p} - {k}) / {s}) + 1 = {out}")
    note = (f"Output side <b>{out}</b>. Dots: the top-left corner of every window; "
            + ("the two outlined windows produce the two colored output pixels."
               if out > 1 else "the one window gives the one output pixel."))
    if lost:
        image = max(lost - p, 0)  # dropped rows of the image itself, not padding
        what = ("all of them padding" if not image else
                f"the last {image} of them rows and columns of the image itself, "
                "never read")
        note += (f" The stride does not divide {side} - {k} = {side - k}: the last "
                 f"{_rows(lost)} and {_rows(lost, 'column')} (hatched) fall in no "
                 f"window and are dropped, as PyTorch does ({what}).")
    if s > k and out > 1:
        note += f" Stride {s} &gt; kernel {k}: the pixels between windows are skipped."
    return note


def output_grid_widget(size=8, kernel=3, stride=1, pad=1):
    """Input side, kernel, stride and padding -> the output grid.

    A starting value outside a slider's usual range widens the range to hold
    it (the sliders never clamp a value silently); the stride goes up to 7,
    where most settings keep one window and drop the rest.
    """
    for name, value, low in [("size", size, 1), ("kernel", kernel, 1),
                             ("stride", stride, 1), ("pad", pad, 0)]:
        check_int(name, value, low)
    controls = {
        "size": Slider("input side", size, min(3, size), max(12, size), 1,
                       book=sorted({size, 5, 6, 7, 8})),
        "kernel": Slider("kernel", kernel, 1, max(5, kernel), 1,
                         book=sorted({kernel, 1, 3, 5})),
        "stride": Slider("stride", stride, 1, max(7, stride), 1,
                         book=sorted({stride, 1, 2, 3, 7})),
        "pad": Slider("padding", pad, 0, max(2, pad), 1, book=sorted({pad, 0, 1, 2})),
    }
    return LiveFigure(controls, compute_output_grid, draw_output_grid, figsize=(8, 4.2),
                      alt="The padded input grid with the first two kernel windows "
                          "outlined and the dropped rows and columns hatched, and the "
                          "output grid beside it")


# -- learning a kernel ------------------------------------------------------------


def learn_kernel(images, kernel, steps=200, lr=0.3, n=64, seed=0):
    """Recover a known kernel from its feature maps by plain gradient descent.

    The targets are T = conv2d_forward(x, K, 0, pad=K // 2) for ``n`` of the
    ``images`` drawn with ``seed``; a one-filter layer (W, b), W drawn from
    N(0, 1/3) with the same seed and b = 0, is trained on the mean squared error
    L = mean((Y - T)^2) / 2 with the gradients of ``conv2d_backward``:
    W <- W - lr dL/dW, b <- b - lr dL/db. L is quadratic in (W, b), so gradient
    descent has a single minimum to find when the patches span all KH KW
    directions.

    Parameters
    ----------
    images : ndarray (N, 1, H, W)
    kernel : ndarray (KH, KW), odd sides: the kernel to recover
    steps, n, seed : int; lr : float, the step size

    Returns a dict with ``true`` (KH, KW), ``learned`` (KH, KW), ``bias``
    (float), ``loss`` (steps + 1,), the loss before each step and after the
    last, ``error`` (steps + 1,), the relative error |W - K| / |K| alike, and
    ``seed``.
    """
    images = check_shape("images", images, ("N", 1, "H", "W"))
    K = np.asarray(kernel, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] % 2 == 0:
        raise ValueError(f"kernel must be a square 2-D array with an odd side, "
                         f"got shape {K.shape}")
    check_int("steps", steps, 0)
    check_number("lr", lr, 0, open_low=True)
    check_int("n", n, 1, len(images))
    rng = np.random.default_rng(check_int("seed", seed, 0))
    x = images[rng.choice(len(images), n, replace=False)]
    pad = K.shape[0] // 2
    target = conv2d_forward(x, K[None, None], np.zeros(1), pad=pad)[0]
    W, b = rng.normal(0, np.sqrt(1 / 3), (1, 1, *K.shape)), np.zeros(1)
    loss, error = [], []
    for step in range(steps + 1):
        y, cache = conv2d_forward(x, W, b, pad=pad)
        r = y - target
        loss.append(0.5 * np.mean(r**2))
        error.append(np.linalg.norm(W[0, 0] - K) / np.linalg.norm(K))
        if step < steps:
            _, dW, db = conv2d_backward(r / r.size, cache)  # dL/dY = r / (N H W)
            W, b = W - lr * dW, b - lr * db
    return {"true": K, "learned": W[0, 0], "bias": float(b[0]), "loss": np.array(loss),
            "error": np.array(error), "seed": seed}


def draw_learned_kernel(fig, runs):
    """The true kernel and the first run's learned one, with their numbers, and
    every run's loss and recovery error against the step (log scales).

    ``runs``: a list of ``learn_kernel`` results (one per seed)."""
    axes = fig.subplots(1, 4, width_ratios=[1, 1, 1.6, 1.6])
    lim = np.abs(runs[0]["true"]).max()
    for ax, K, title in [(axes[0], runs[0]["true"], "true kernel"),
                         (axes[1], runs[0]["learned"], f"learned (seed {runs[0]['seed']})")]:
        ax.imshow(K, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for (i, j), v in np.ndenumerate(K):
            v = 0.0 if abs(v) < 0.005 else v  # no "-0.00"
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * lim else "black")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(K.shape[1]))
        ax.set_yticks(range(K.shape[0]))
        ax.set_xlabel("column q")
    axes[0].set_ylabel("row p")
    for ax, key, label in [(axes[2], "loss", "loss (mean squared error / 2)"),
                           (axes[3], "error", "|W - K| / |K|")]:
        for run in runs:
            ax.semilogy(run[key], lw=1.2, label=f"seed {run['seed']}")
        ax.set_xlabel("gradient-descent step")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[2].set_title("loss", fontsize=10)
    axes[3].set_title("recovery error", fontsize=10)
    axes[3].legend(fontsize=8)

# -- the digits and training ---------------------------------------------------


def draw_digits(fig, images, labels, title="One training digit of each class"):
    """The first image of each class 0..9, labelled; images (N, 1, H, W)."""
    axes = fig.subplots(1, 10)
    for digit, ax in enumerate(axes):
        ax.imshow(images[np.flatnonzero(labels == digit)[0], 0], cmap="gray_r")
        ax.set_title(str(digit))
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_ylabel("8 x 8 pixels")
    fig.suptitle(title)


def draw_training(fig, histories, per_epoch):
    """Mean mini-batch loss per epoch of each run; histories: name -> losses."""
    check_int("per_epoch", per_epoch, 1)
    ax = fig.add_subplot()
    for name, h in histories.items():
        h = np.asarray(h)
        epochs = len(h) // per_epoch
        ax.semilogy(np.arange(1, epochs + 1),
                    h[:epochs * per_epoch].reshape(epochs, per_epoch).mean(1),
                    "o-", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean mini-batch cross-entropy (log scale)")
    ax.set_title("Training loss on the digits")
    ax.legend()


def draw_mistakes(fig, images, labels, predicted, limit=12):
    """The test digits the model gets wrong, titled "label -> predicted"."""
    wrong = np.flatnonzero(labels != predicted)[:limit]
    axes = np.atleast_1d(fig.subplots(1, max(len(wrong), 1)))
    for ax, i in zip(axes, wrong):
        ax.imshow(images[i, 0], cmap="gray_r")
        ax.set_title(f"{labels[i]} -> {predicted[i]}")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{int(np.sum(labels != predicted))} misclassified test digits "
                 "(label -> prediction)")


# -- the CNN against the MLP, over seeds ----------------------------------------

#: the one-pixel moves of the shifted-digits test: (rows down, columns right)
SHIFTS = ((0, 1), (0, -1), (1, 0), (-1, 0))


def shifted_accuracy(model, params, x, labels, shifts, fill):
    """The accuracy of a trained model on images moved by each shift.

    Parameters
    ----------
    model : a ``dlnotes.cnn.CNN``, or an ``MLP`` that reads the images
        flattened to (N, C H W); params : its trained weights
    x : ndarray (N, C, H, W), the images; labels : int array (N,)
    shifts : sequence of K (down, right) moves, as ``cnn.shift_images``
    fill : float, the value of the pixels that come in (the background)

    Returns ndarray (K,), one accuracy per shift.
    """
    out = []
    for down, right in shifts:
        moved = shift_images(x, down, right, fill)
        if isinstance(model, MLP):
            moved = moved.reshape(len(moved), -1)
        out.append(accuracy(model, moved, labels, params))
    return np.array(out, dtype=np.float64)


def _shuffle_pixels(x, order):
    """x (N, C, H, W) with the H W pixels of every image and channel put in
    ``order`` (H W,), a permutation of the row-major pixel indices."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h * w)[:, :, order].reshape(n, c, h, w)


def compute_comparison(seeds, epochs=10, batch_size=32, lr=0.02, shifts=SHIFTS,
                       permute=False):
    """Chapter 3's CNN against the MLP of the same size, trained once per seed.

    For seed s everything random follows s, as in the chapter's run (s = 0):
    the train/test split, ``cnn.load_digits(0.25, s)``; both networks'
    initial weights, ``cnn.CNN.init`` (16 and 32 filters of 3x3) and
    ``cnn.comparable_mlp`` each from ``np.random.default_rng(s)``; and the
    order of the mini-batches, ``cnn.train(..., seed=s)`` (momentum 0.9).

    Parameters
    ----------
    seeds : sequence of S >= 1 ints >= 0
    epochs, batch_size, lr : the training recipe, as ``cnn.train``
    shifts : sequence of K (down, right) moves; both models are also tested
        on the test digits moved by each (``shifted_accuracy``, the
        background's gray level filling the gap)
    permute : bool; shuffle the pixels of every image, training and test
        alike, by one permutation per seed,
        ``np.random.default_rng([s, 1]).permutation(H W)``, before training.
        Then ``shifts`` must be empty: a shifted shuffled image means nothing.

    Returns
    -------
    dict with ``seeds`` (S,) ints; ``cnn`` and ``mlp`` (S,), the test
    accuracies (fractions); ``cnn_shifted`` and ``mlp_shifted`` (S, K), the
    test accuracies on the moved digits.
    """
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int | np.integer) and s >= 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of ints >= 0, got {seeds!r}")
    shifts = [tuple(s) for s in shifts]
    if permute and shifts:
        raise ValueError(f"shifts must be empty when permute is True, got {shifts}")
    result = {k: [] for k in ("cnn", "mlp", "cnn_shifted", "mlp_shifted")}
    for s in seeds:
        d = load_digits(0.25, int(s))
        x_train, x_test = d.x_train, d.x_test
        if permute:
            order = np.random.default_rng([int(s), 1]).permutation(x_train[0, 0].size)
            x_train, x_test = _shuffle_pixels(x_train, order), _shuffle_pixels(x_test, order)
        model = CNN.init(np.random.default_rng(s), image_shape=x_train.shape[1:])
        mlp = comparable_mlp(param_count(model.params), np.random.default_rng(s),
                             inputs=x_train[0].size)
        fill = (0 - d.mean) / d.std  # gray level 0, standardised
        for name, net in [("cnn", model), ("mlp", mlp)]:
            def inputs(x, net=net):  # the MLP reads each image as one vector
                return x.reshape(len(x), -1) if isinstance(net, MLP) else x

            params, _ = train(net, inputs(x_train), d.labels_train, epochs, batch_size, lr,
                              seed=s)
            result[name].append(accuracy(net, inputs(x_test), d.labels_test, params))
            result[f"{name}_shifted"].append(
                shifted_accuracy(net, params, x_test, d.labels_test, shifts, fill))
    out = {k: np.array(v, dtype=np.float64).reshape(len(seeds), -1) for k, v in result.items()}
    out["cnn"], out["mlp"] = out["cnn"][:, 0], out["mlp"][:, 0]
    out["seeds"] = np.array(seeds, dtype=int)
    return out


# -- learned filters and feature maps -------------------------------------------


#: the filters' colormap: zero is near white in RdBu, so the NaN gaps of the
#: mosaic are a mid gray, a colour the map never takes, and the tiles stay apart
FILTER_CMAP = colormaps["RdBu_r"].with_extremes(bad="0.45")
#: the feature maps' colormap, its gaps gray too (magma has no gray)
MAP_CMAP = colormaps["magma"].with_extremes(bad="0.45")


def _mosaic(tiles, cols):
    """Tiles (F, h, w) in a grid of ``cols`` columns, NaN one pixel between."""
    f, h, w = tiles.shape
    rows = -(-f // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for t in range(f):
        r, c = divmod(t, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tiles[t]
    return out


def compute_feature_maps(model, params, images, labels, index, block):
    """Run a trained CNN on one test digit.

    Parameters
    ----------
    model : dlnotes.cnn.CNN; params its trained weights
    images, labels : the test digits (N, 1, H, W) and labels (N,)
    index : int, which digit; block : "conv 1", "conv 2", ..., whose maps to show

    Returns a dict with the digit, ``label``, ``probs`` (M,), the first layer's
    filters ``filters`` (F1, KH, KW), the chosen block's ReLU maps ``maps``
    (F, H_l, W_l) and their mosaics.
    """
    check_choice("block", block, [f"conv {l}" for l in range(1, model.depth)])
    check_int("index", index, 0, len(images) - 1)
    l = int(block.split()[-1])
    logits, cache = model.forward(images[index:index + 1], params)
    maps = cache["maps"][l - 1][0]
    filters = params["W1"][:, 0]
    return {"image": images[index, 0], "label": int(labels[index]),
            "probs": softmax(logits)[0], "block": block, "maps": maps,
            "filters": filters, "filter_mosaic": _mosaic(filters, 4),
            "map_mosaic": _mosaic(maps, 8), "index": index}


def draw_feature_maps(fig, result):
    """Digit and class probabilities, first-layer filters, the block's maps."""
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1.3, 2.6])
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(result["image"], cmap="gray_r")
    pred = int(np.argmax(result["probs"]))
    ax.set_title(f"test digit {result['index']}: label {result['label']}", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax = fig.add_subplot(grid[1, 0])
    ax.bar(range(len(result["probs"])), result["probs"],
           color=["C3" if c == pred else "C0" for c in range(len(result["probs"]))])
    ax.set_xticks(range(len(result["probs"])))
    ax.set_ylim(0, 1)
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    ax = fig.add_subplot(grid[:, 1])
    lim = np.abs(result["filters"]).max()
    ax.imshow(result["filter_mosaic"], cmap=FILTER_CMAP, vmin=-lim, vmax=lim)
    ax.set_title(f"conv 1's {len(result['filters'])} learned 3x3 filters", fontsize=10)
    ax.set_xlabel("filters side by side (red +, blue -;\ngray gaps between them)")
    ax.set_xticks([])
    ax.set_yticks([])
    ax = fig.add_subplot(grid[:, 2])
    ax.imshow(result["map_mosaic"], cmap=MAP_CMAP)
    f, h, w = result["maps"].shape
    ax.set_title(f"{result['block']}: {f} feature maps, {h} x {w} (after ReLU)", fontsize=10)
    ax.set_xlabel("one map per filter (bright = strong response)")
    ax.set_xticks([])
    ax.set_yticks([])
    return (f"Predicted <b>{pred}</b> with probability {result['probs'][pred]:.3f}; "
            f"label {result['label']}.")


def feature_map_widget(model, params, images, labels, index=0, block="conv 1"):
    """Test digit and conv block -> the trained CNN's filters and feature maps."""
    controls = {
        "index": Slider("test digit", index, 0, len(images) - 1, 1,
                        book=sorted({index, *range(min(10, len(images)))})),
        "block": Choice("maps of", block, [f"conv {l}" for l in range(1, model.depth)]),
    }

    def compute(index, block):
        return compute_feature_maps(model, params, images, labels, index, block)

    return LiveFigure(controls, compute, draw_feature_maps, figsize=(10, 3.6),
                      alt="A test digit with the CNN's class probabilities, the learned "
                          "first-layer filters and the feature maps of one block")
