# An embedding lookup and its backward: repeated indices add up.
import numpy as np

from ad import Function, Variable, tensor


class Embedding(Function):
    """weight (V, D) -> weight[idx] (idx.shape + (D,)), for fixed integer indices idx."""

    def __init__(self, idx):
        self.idx = np.asarray(idx)

    def forward(self, weight):
        return Variable(weight.data[self.idx])  # (V, D) -> S + (D,)

    def backward(self, weight, grad):
        np.add.at(weight.grad, self.idx, grad)  # every looked-up row adds its gradient


def one_hot(idx, V):
    """The one-hot rows of idx: S + (V,), float."""
    return np.eye(V)[np.asarray(idx)]


W = tensor(np.arange(12.0).reshape(4, 3))  # V = 4 characters, D = 3
idx = np.array([2, 0, 2])  # character 2 twice
Y = Embedding(idx)(W)
rows = one_hot(idx, 4)
print("lookup == one_hot @ W:", rows is not None and np.array_equal(Y.data, rows @ W.data))
Y.backward(np.ones((3, 3)))
print("W.grad =\n", W.grad, "\nexpected rows [1 1 1], [0 0 0], [2 2 2], [0 0 0]")
