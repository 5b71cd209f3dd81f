# expect-hint: did you read the .grad of y itself?
from ad import tensor


def f(x):
    return x * x + 3 * x


x = tensor(2.0)
y = f(x)
y.backward()
answer = y.grad
