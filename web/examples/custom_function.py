# Write your own differentiable Function, then let ad.gradcheck compare
# its backward with central finite differences.
import numpy as np

import ad
from ad import Function, Variable, tensor
from playground import show


def stable_sigmoid(a):
    # NOTE: 1 / (1 + exp(-a)) overflows for very negative a; this split form does not.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Function):
    # One instance serves every call, so it keeps nothing on self:
    # backward gets the inputs again and recomputes what it needs.
    def forward(self, x):
        return Variable(stable_sigmoid(x.data))

    def backward(self, x, grad):
        s = stable_sigmoid(x.data)
        x.grad += grad * s * (1 - s)  # d sigmoid / dx = s (1 - s)


sigmoid = Sigmoid()

x = tensor(np.linspace(-3, 3, 7))
y = sigmoid(x)
y.sum().backward()
print("sigmoid(x) =", np.round(y.data, 3))
print("x.grad     =", np.round(x.grad, 3))

rng = np.random.default_rng(1)
t = tensor(rng.normal(size=(3, 4)))
report = ad.gradcheck(lambda t: sigmoid(t).sum(), t)
show(report, title="gradcheck: Sigmoid")  # a table in the page, text elsewhere
verdict = "gradient check passed" if report else "gradient check FAILED"
print(verdict, "·", str(report).splitlines()[0])


# A broken backward (forgot the factor s) is caught:
class BadSigmoid(Sigmoid):
    def backward(self, x, grad):
        x.grad += grad * (1 - stable_sigmoid(x.data))


bad = ad.gradcheck(lambda t: BadSigmoid()(t).sum(), tensor(rng.normal(size=3)))
show(bad, title="gradcheck: BadSigmoid")
print("broken backward:", "passed?!" if bad else "caught, as it should be")
