# expect-hint: Build f from the tensor operators
import numpy as np

from ad import tensor


def f(x):
    return np.asarray(x.data) ** 2 + 3 * np.asarray(x.data)


x = tensor(2.0)
y = tensor(f(x))
y.backward()
answer = 7.0
