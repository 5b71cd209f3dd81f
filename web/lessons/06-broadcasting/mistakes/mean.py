# expect-hint: Did you average instead of sum?
# Add for any shapes numpy broadcasts: each input's gradient summed back to its own shape.
import numpy as np

from ad import Function, Tensor, Variable, tensor


def unbroadcast(grad, shape):
    """Sum grad (the broadcast shape) back to `shape`."""
    while grad.ndim > len(shape):  # leading axes the input does not have
        grad = grad.mean(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:  # axes where the input had size 1
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


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
