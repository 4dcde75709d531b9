import numpy as np
import pytest

from dlnotes import MLP, worked_example
from dlnotes.backprop import chain_rule_gradients
from dlnotes.gradcheck import assert_grad_close
from dlnotes.losses import squared_error


@pytest.mark.parametrize("sizes", [[3, 2, 2], [4, 5, 3], [2, 3, 1]])
def test_path_by_path_chain_rule_equals_the_delta_rule(sizes):
    rng = np.random.default_rng(7)
    model = MLP.init(sizes, "sigmoid", rng, scale=1.0)
    x, y = rng.normal(size=(1, sizes[0])), rng.uniform(size=(1, sizes[-1]))
    out, cache = model.forward(x)
    _, grads, _ = model.backward(squared_error(out, y)[1], cache)
    chain = chain_rule_gradients(model, x, y)
    for k in grads:
        # the same products summed in another order agree to a few ulps: 1e-12
        # leaves a thousandfold margin
        assert_grad_close(k, chain[k], grads[k], tol=1e-12)


def test_chain_rule_refuses_other_models():
    model = MLP.init([2, 2, 2], ["tanh", "sigmoid"], np.random.default_rng(0))
    with pytest.raises(ValueError, match="sigmoid"):
        chain_rule_gradients(model, np.zeros((1, 2)), np.zeros((1, 2)))
    model, x, y = worked_example()
    with pytest.raises(ValueError, match="one example"):
        chain_rule_gradients(model, np.vstack([x, x]), np.vstack([y, y]))
