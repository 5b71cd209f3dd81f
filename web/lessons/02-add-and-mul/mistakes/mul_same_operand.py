# expect-hint: Each input's gradient is grad times the other input
# Add and Mul with their backward: each input's share of grad, added into its .grad.
import numpy as np

from ad import Function, Tensor, Variable, tensor


class Add(Function):
    def forward(self, x, y):
        return Variable(x.data + y.data)

    def backward(self, x, y, grad):
        x.grad += grad  # dz/dx = 1
        y.grad += grad  # dz/dy = 1


class Mul(Function):
    def forward(self, x, y):
        return Variable(x.data * y.data)

    def backward(self, x, y, grad):
        x.grad += grad * x.data  # dz/dx = y (wrong: x)
        y.grad += grad * x.data  # dz/dy = x


Tensor.__add__ = Add()
Tensor.__mul__ = Mul()

x = tensor(np.array([1.0, 2.0, 3.0]))
y = tensor(np.array([4.0, 5.0, 6.0]))
z = x * y + x
z.backward()
print("x.grad =", x.grad, " expected [5. 6. 7.]")
print("y.grad =", y.grad, " expected [1. 2. 3.]")
