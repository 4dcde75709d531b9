"""The residual connection y = x + F(x), around any layer pair F.

Its Jacobian is dy/dx = I + dF/dx, so the backward pass hands dout to x
unchanged, through the identity, and adds what flows back through F:

    dx = dout + dF/dx^T dout.

However small F's Jacobian gets, the identity path carries the gradient down
to the first layer. F is any forward/backward pair whose output has the shape
of its input, e.g. an activation then a dense layer, ``W f(x) + b``
(``dlnotes.deepnet.act_dense_forward``).
"""

from ._checks import check_callable, check_shape


def residual_forward(x, branch_forward, *params):
    """y = x + F(x) with F = ``branch_forward``.

    Parameters
    ----------
    x : ndarray (N, H)
    branch_forward : callable (x, *params) -> (fx, cache), fx (N, H)
    *params : the branch's parameters, passed on

    Returns
    -------
    y : ndarray (N, H), x + fx
    cache : the branch's cache
    """
    x = check_shape("x", x, ("N", "H"))
    fx, cache = check_callable("branch_forward", branch_forward)(x, *params)
    if fx.shape != x.shape:
        raise ValueError(
            f"branch output must have the shape of x {x.shape} for y = x + F(x), got {fx.shape}"
        )
    return x + fx, cache


def residual_backward(dout, cache, branch_backward):
    """Back through y = x + F(x): the identity path plus the branch.

    Parameters
    ----------
    dout : ndarray (N, H), dL/dy
    cache : from ``residual_forward``
    branch_backward : callable (dout, cache) -> (dx_branch, *dparams), F's backward

    Returns
    -------
    dx : ndarray (N, H), dout + dx_branch
    *dparams : the branch's parameter gradients, in the order of its forward
    """
    dx_branch, *dparams = check_callable("branch_backward", branch_backward)(dout, cache)
    return (check_shape("dout", dout, dx_branch.shape) + dx_branch, *dparams)

