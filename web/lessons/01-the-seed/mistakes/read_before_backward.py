# expect-hint: Did you read a gradient before backward ran
from ad import tensor


def f(x):
    return x * x + 3 * x


x = tensor(2.0)
y = f(x)
answer = float(x.grad)
y.backward()
