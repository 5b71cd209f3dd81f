# Make Add work for any shapes numpy broadcasts: sum each gradient back to its input's shape.
import numpy as np

from ad import Function, Tensor, Variable, tensor


def unbroadcast(grad, shape):
    """Sum grad (the broadcast shape) back to `shape`."""
    return grad  # TODO: sum the leading axes, then (keepdims) the axes where shape has 1


class Add(Function):
    def forward(self, x, y):
        return Variable(x.data + y.data)

    def backward(self, x, y, grad):
        x.grad += unbroadcast(grad, x.data.shape)
        y.grad += unbroadcast(grad, y.data.shape)


Tensor.__add__ = Add()

x = tensor(np.ones((2, 3)))
b = tensor(np.array([1.0, 2.0, 3.0]))
z = x + b
z.backward()
print("b.grad =", b.grad, " expected [2. 2. 2.] (b is used by both rows)")
