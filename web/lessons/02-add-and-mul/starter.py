# Write backward for Add and Mul: add each input's share of grad into its .grad.
import numpy as np

from ad import Function, Tensor, Variable, tensor


class Add(Function):
    def forward(self, x, y):
        return Variable(x.data + y.data)

    def backward(self, x, y, grad):
        pass  # TODO: dz/dx = 1, dz/dy = 1


class Mul(Function):
    def forward(self, x, y):
        return Variable(x.data * y.data)

    def backward(self, x, y, grad):
        pass  # TODO: dz/dx = y, dz/dy = x


Tensor.__add__ = Add()
Tensor.__mul__ = Mul()

x = tensor(np.array([1.0, 2.0, 3.0]))
y = tensor(np.array([4.0, 5.0, 6.0]))
z = x * y + x
z.backward()
print("x.grad =", x.grad, " expected [5. 6. 7.]")
print("y.grad =", y.grad, " expected [1. 2. 3.]")
