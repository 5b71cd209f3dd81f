# expect-hint: holding the right gradient transposed
# The matrix product and its backward: each gradient has its input's shape.
import numpy as np

from ad import Function, Tensor, Variable, tensor


class MatMul(Function):
    def forward(self, x, y):
        return Variable(x.data @ y.data)  # (N, D) @ (D, M) -> (N, M)

    def backward(self, x, y, grad):
        x.grad += y.data @ grad.T  # (D, M) @ (M, N) -> (D, N)
        y.grad += x.data.T @ grad  # (D, N) @ (N, M) -> (D, M)


Tensor.__matmul__ = MatMul()

x = tensor([[1.0, 2.0, 3.0]])
y = tensor([[0.0], [1.0], [1.0]])
z = x @ y
z.backward()
print("x.grad =", x.grad.tolist(), " expected [[0, 1, 1]]")
print("y.grad =", y.grad.tolist(), " expected [[1], [2], [3]]")
print(np.shape(x.grad), np.shape(y.grad))
