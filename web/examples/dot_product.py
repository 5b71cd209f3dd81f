# The seed's dot product, with the backward formulas it swaps put right.
#
# For z = x @ y, x of shape (N, D), y of shape (D, M), and the upstream
# gradient g = dL/dz of shape (N, M):
#     dL/dx = g @ y.T      (N, M) @ (M, D) -> (N, D)
#     dL/dy = x.T @ g      (D, N) @ (N, M) -> (D, M)
# The seed's text has x.grad += x.data.T @ grad; y.grad += grad @ y.data.T.
import numpy as np

import ad
from ad import Function, Tensor, Variable, tensor


class TensorDotProduct(Function):
    def forward(self, x, y):
        return Variable(x.data @ y.data)

    def backward(self, x, y, grad):
        x.grad += grad @ y.data.T  # (N, M) @ (M, D) -> (N, D)
        y.grad += x.data.T @ grad  # (D, N) @ (N, M) -> (D, M)


Tensor.__matmul__ = TensorDotProduct()

x = tensor([[1.0, 2.0, 3.0]])
y = tensor([[0.0], [1.0], [1.0]])

z = x @ y
z.backward()

print("z      =", z.data.tolist())
print("x.grad =", x.grad.tolist(), " expected [[0, 1, 1]]")
print("y.grad =", y.grad.tolist(), " expected [[1], [2], [3]]")


# What the seed's own formulas do. With these shapes they cannot even run:
class SeedDotProduct(Function):
    def forward(self, x, y):
        return Variable(x.data @ y.data)

    def backward(self, x, y, grad):
        x.grad += x.data.T @ grad  # (3, 1), but x is (1, 3)
        y.grad += grad @ y.data.T  # (1, 3), but y is (3, 1)


Tensor.__matmul__ = SeedDotProduct()
a = tensor([[1.0, 2.0, 3.0]])
b = tensor([[0.0], [1.0], [1.0]])
try:
    (a @ b).backward()
    print("\nseed formulas: a.grad =", a.grad.tolist(), "(wrong)")
except Exception as error:  # the engine refuses a wrong-shaped gradient
    print("\nseed formulas fail:", type(error).__name__ + ":", error)

# With square matrices the shapes fit, so the mistake is silent.
# Only a numerical check catches it:
rng = np.random.default_rng(0)
p = tensor(rng.normal(size=(2, 2)))
q = tensor(rng.normal(size=(2, 2)))
(p @ q).sum().backward()
right = np.ones((2, 2)) @ q.data.T
print("\nseed formulas, square case: p.grad =", np.round(p.grad, 3).tolist())
print("the right answer:                  ", np.round(right, 3).tolist())
print()
print("gradcheck of the seed's formulas (it should fail):")
print(ad.gradcheck(lambda p, q: (p @ q).sum(), p, q))
