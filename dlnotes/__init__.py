"""dlnotes: every model of the Deep Learning Models course, by hand, in numpy.

Layers are pairs of pure functions ``out, cache = f_forward(...)`` and
``grads = f_backward(dout, cache)``; models compose them. One module per
model family:

========================  ====================================================
chapter 1, MLP            activations, losses, dense, mlp, backprop, optim,
                          train, data, gradcheck
chapter 2, gradients      init, clip, norm, residual, deepnet
chapter 3, CNN            conv, cnn
chapter 4, RNN            rnn, seqloss, rnn_models, tasks
chapter 5, LSTM and GRU   lstm, gru, memory_tasks, charlm
chapter 6, seq2seq        seq2seq, translate_task, beam
chapter 7, attention      attention, seq2seq_attention
========================  ====================================================

Figures and widgets are in ``dlnotes.viz``, exercise self-checks in
``dlnotes.selfcheck``.
"""

from . import (
    activations,
    attention,
    backprop,
    beam,
    charlm,
    clip,
    cnn,
    conv,
    data,
    deepnet,
    dense,
    gradcheck,
    gru,
    init,
    losses,
    lstm,
    memory_tasks,
    mlp,
    norm,
    optim,
    residual,
    rnn,
    rnn_models,
    selfcheck,
    seq2seq,
    seq2seq_attention,
    seqloss,
    tasks,
    train,
    translate_task,
)
from .mlp import MLP, worked_example
from .optim import SGD
from .train import Diverged, fit

__all__ = [
    "activations", "attention", "backprop", "beam", "charlm", "clip", "cnn", "conv", "data",
    "deepnet", "dense", "gradcheck", "gru", "init", "losses", "lstm", "memory_tasks", "mlp",
    "norm", "optim",
    "residual", "rnn", "rnn_models", "selfcheck", "seq2seq", "seq2seq_attention", "seqloss",
    "tasks", "train", "translate_task", "MLP", "SGD", "Diverged", "fit", "worked_example",
]
