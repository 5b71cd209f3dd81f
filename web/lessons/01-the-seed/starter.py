# The seed's API: a leaf tensor, operators that record the graph, backward, x.grad.
from ad import tensor


def f(x):
    return x * x + 3 * x


x = tensor(2.0)
y = f(x)
print("y =", y.data)

# TODO: call backward on y, then set answer to dy/dx at x = 2, read from x.grad.
answer = None
print("answer =", answer)
