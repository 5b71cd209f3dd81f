# expect-hint: did you call backward on y before reading x.grad?
from ad import tensor


def f(x):
    return x * x + 3 * x


x = tensor(2.0)
y = f(x)
answer = float(x.grad)
