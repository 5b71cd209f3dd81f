# Broadcasting: an op that stretches an input must sum the gradient back
# to that input's shape. Each gradient below has its tensor's shape.
import numpy as np

from ad import tensor

x = tensor(np.arange(6.0).reshape(2, 3))  # (2, 3)
row = tensor([10.0, 20.0, 30.0])          # (3,)   stretched over 2 rows
col = tensor([[1.0], [2.0]])              # (2, 1) stretched over 3 columns
s = tensor(2.0)                           # ()     stretched everywhere

y = (x + row) * col * s                   # (2, 3)
y.sum().backward()

for name, t in [("x", x), ("row", row), ("col", col), ("s", s)]:
    shape, grad_shape = str(t.data.shape), str(t.grad.shape)
    grad = np.round(t.grad, 3).tolist()
    print(f"{name:>3}: shape {shape:7} grad shape {grad_shape:7} grad = {grad}")

# By hand: d/d row[j] of sum_i (x[i, j] + row[j]) * col[i] * s
#        = s * sum_i col[i] = 2 * (1 + 2)
print("\nexpected row.grad:", [2.0 * (1.0 + 2.0)] * 3)
