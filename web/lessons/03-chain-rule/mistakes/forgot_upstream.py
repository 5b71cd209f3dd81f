# expect-hint: did you multiply by the gradient arriving from above
# The chain rule by hand, node by node from the top, checked against the engine's backward.
from ad import tensor
from playground import show_backward


def forward(a, b, c, f):
    e = a * b
    d = e + c
    return d * f


def backward_by_hand(a, b, c, f):
    """dL/da, dL/db, dL/dc, dL/df for L = (a*b + c) * f, by the chain rule."""
    e = a * b
    d = e + c
    dL_dd = f  # L = d * f
    dL_df = d
    dL_de = dL_dd * 1  # d = e + c
    dL_dc = dL_dd * 1
    dL_da = b  # e = a * b (forgot the gradient from above)
    dL_db = dL_de * a
    return dL_da, dL_db, dL_dc, dL_df


a, b, c, f = tensor(2.0), tensor(-3.0), tensor(10.0), tensor(-2.0)
L = forward(a, b, c, f)
L.backward()
show_backward(L, title="L = (a*b + c) * f", predict=True)
print("engine :", [float(t.grad) for t in (a, b, c, f)])
print("by hand:", [float(g) for g in backward_by_hand(2.0, -3.0, 10.0, -2.0)])
