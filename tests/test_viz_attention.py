import numpy as np
import pytest
from matplotlib.figure import Figure

from dlnotes import translate_task as tt
from dlnotes.attention import softmax_saturation
from dlnotes.seq2seq_attention import Seq2SeqAttention
from dlnotes.viz import attention as viz

V = len(tt.VOCAB)


@pytest.fixture(scope="module")
def models():
    return {"additive": Seq2SeqAttention.init(V, 6, np.random.default_rng(0), "additive", 4),
            "dot": Seq2SeqAttention.init(V, 6, np.random.default_rng(1), "dot")}


def test_mirrored_share_is_one_on_the_anti_diagonal_and_ignores_eos_and_padding():
    L, T = np.array([3, 2]), 4
    w = np.zeros((2, T + 1, T))
    for i, n in enumerate(L):
        w[i, np.arange(n), n - 1 - np.arange(n)] = 1.0  # the mirror
        w[i, n:, 0] = 1.0  # <eos> and padded steps look anywhere
    assert np.allclose(viz.mirrored_share(w, L), 1.0)
    w[0, 0] = 0.0
    w[0, 0, :3] = [0.5, 0.0, 0.5]  # step 1 of "abc" puts half on c
    assert np.allclose(viz.mirrored_share(w, L), [(0.5 + 1 + 1) / 3, 1.0])
    uniform = np.full((1, 4, 3), 1 / 3)
    assert np.allclose(viz.mirrored_share(uniform, np.array([3])), 1 / 3)
    with pytest.raises(ValueError, match="lengths must lie in"):
        viz.mirrored_share(w, np.array([5, 2]))
    with pytest.raises(ValueError, match="lengths must be an int array"):
        viz.mirrored_share(w, np.array([3.0, 2.0]))
    with pytest.raises(ValueError, match="weights must have shape"):
        viz.mirrored_share(w[0], L)


class _Mirror(Seq2SeqAttention):
    """A stand-in whose attention is the exact anti-diagonal."""

    def __init__(self):
        pass

    def forward(self, src, src_len, y_in, params=None):
        n, T = src.shape
        w = np.zeros((n, y_in.shape[1], T))
        for i, L in enumerate(src_len):
            w[i, np.arange(L), L - 1 - np.arange(L)] = 1.0
            w[i, L:, 0] = 1.0
        return None, (None, None, None, w, None)


class _Ahead(_Mirror):
    """A stand-in that looks one position before the mirror (at the first
    position when the mirror is the first)."""

    def forward(self, src, src_len, y_in, params=None):
        _, (*a, w, b) = super().forward(src, src_len, y_in)
        w = np.concatenate([w[:, :, 1:], w[:, :, :1]], axis=2)  # shift left
        first = w[:, :, -1] == 1.0  # wrapped around: put it back at 0
        w[:, :, 0] += w[:, :, -1] * first
        w[:, :, -1] *= ~first
        return None, (*a, w, b)


def test_alignment_of_a_perfect_mirror_is_one_and_of_real_models_a_share(models):
    r = viz.compute_alignment([_Mirror(), _Mirror()], [2, 5], 7, np.random.default_rng(0))
    assert r["mirror"].shape == r["peak"].shape == (2, 2)
    assert np.allclose(r["mirror"], 1.0) and np.allclose(r["peak"], 1.0)
    assert np.all(r["early"] == 0)
    r = viz.compute_alignment(_Ahead(), [4], 3, np.random.default_rng(0))
    # steps 1-3 of 4 look one position early, step 4 (position 1) cannot
    assert np.allclose(r["early"], 3 / 4) and np.allclose(r["peak"], 1 / 4)
    r = viz.compute_alignment(models["dot"], [3, 4], 5, np.random.default_rng(0))
    assert r["mirror"].shape == (1, 2) and np.all((r["mirror"] > 0) & (r["mirror"] < 1))
    with pytest.raises(TypeError, match="models must be a Seq2SeqAttention"):
        viz.compute_alignment([], [3], 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="lengths must be"):
        viz.compute_alignment(models["dot"], [0], 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n must be"):
        viz.compute_alignment(models["dot"], [3], 0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be"):
        viz.compute_alignment(models["dot"], [3], 5, 0)


def test_heatmap_cuts_at_eos_and_rows_sum_to_one(models):
    for m in models.values():
        r = viz.compute_heatmap(m, "31415")
        steps = len(r["outputs"])
        assert r["weights"].shape == (steps, 5) and 1 <= steps <= 7
        assert np.allclose(r["weights"].sum(axis=1), 1.0)
        assert "<eos>" not in r["outputs"][:-1]
        assert r["answer"] == "51413" and r["output"] == "".join(
            t for t in r["outputs"] if t not in ("<eos>", "<pad>", "<bos>"))
        assert r["right"] == (r["output"] == "51413" and r["outputs"][-1] == "<eos>")
    with pytest.raises(ValueError, match="source must be a non-empty string of digits"):
        viz.compute_heatmap(models["dot"], "12a")
    with pytest.raises(TypeError, match="model must be"):
        viz.compute_heatmap("model", "12")


def test_widget_follows_its_input_and_says_right_or_wrong(models):
    live = viz.attention_widget(models, ["31415", "12", "123456789"])
    assert set(live.result) == {"additive", "dot"}
    assert live.result["dot"]["source"] == "31415"
    box = live.controls["source"]
    for s in ["123456789", "12"]:
        before = live.result
        box.value = s
        assert live.result is not before and live.result["additive"]["source"] == s
        assert live.image.value and f"answer {s[::-1]}" in live.note
        assert ("right" in live.note) or ("wrong" in live.note)
    with pytest.raises(ValueError, match=r"sources\[1\] must be"):
        viz.attention_widget(models, ["12", "x"])
    with pytest.raises(TypeError, match="models must be"):
        viz.attention_widget([], ["12"])


def test_static_figures_draw(models):
    fig = Figure()
    viz.draw_attention_decoder(fig, "3141", 2)
    assert fig.axes[0].get_title()
    viz.draw_attention_decoder(Figure(), "27", 1, weights=np.array([0.3, 0.7]))
    with pytest.raises(ValueError, match="step must lie in"):
        viz.draw_attention_decoder(Figure(), "27", 3)
    with pytest.raises(ValueError, match="weights must have shape"):
        viz.draw_attention_decoder(Figure(), "27", 1, weights=np.ones(3))
    study = {"lengths": np.arange(1, 5), "exact": {
        "additive": np.array([[np.nan, 1, 1, 0.5], [np.nan, 1, 0.9, 0.2]]),
        "plain": np.array([[np.nan, 1, 0.8, 0.1], [np.nan, 0.9, 0.7, 0.0]])}}
    fig = Figure()
    viz.draw_length_curves(fig, study, 3)
    assert len(fig.axes[0].get_legend().get_texts()) == 2
    lines = [ln.get_color() for ln in fig.axes[0].get_lines() if ln.get_label()[0] != "_"]
    assert lines == ["C0", "C1"]  # additive blue, plain orange, as chapter 6
    fig = Figure()
    dims = [1, 4, 16]
    viz.draw_saturation(fig, softmax_saturation(dims, 8, 20, np.random.default_rng(0)),
                        dims, 8)
    assert len(fig.axes) == 2
    fig = Figure()
    viz.draw_heatmaps(fig, {k: viz.compute_heatmap(m, "271") for k, m in models.items()})
    assert len([ax for ax in fig.axes if ax.get_title()]) == 2
