# expect-hint: did you call backward twice?
from ad import tensor


def f(x):
    return x * x + 3 * x


x = tensor(2.0)
y = f(x)
y.backward()
y.backward()
answer = float(x.grad)
