# Make backward visit each node once: topological order, then walk it in reverse.
from ad import tensor
from playground import show_backward


class Node:
    """A value in a graph: its inputs, each with the local derivative towards it."""

    def __init__(self, value, inputs=()):
        self.value = value
        self.inputs = inputs  # pairs (input node, d self / d input)
        self.grad = 0.0


def add(x, y):
    return Node(x.value + y.value, ((x, 1.0), (y, 1.0)))


def mul(x, y):
    return Node(x.value * y.value, ((x, y.value), (y, x.value)))


def backward_recursive(node, grad=1.0):
    """The seed's walk: right, but once per path (3**n paths for n steps of y*y + y)."""
    node.grad += grad
    for inp, local in node.inputs:
        backward_recursive(inp, grad * local)


def topological_order(root):
    """Every node reachable from root once, each after all its inputs; root last."""
    return []  # TODO: a depth-first walk that remembers the nodes it has visited


def backward(root):
    """Set every node's grad to d root / d node, visiting each node once."""
    backward_recursive(root)  # TODO: each node once, in reverse topological order


steps = 5  # try 30 once backward visits each node once
x = Node(0.02)
y = x
for _ in range(steps):
    y = add(mul(y, y), y)
backward(y)
print("nodes:", len(topological_order(y)), " dy/dx =", x.grad)

t = tensor(0.02)  # the engine, for comparison
u = t
for _ in range(steps):
    u = u * u + u
u.backward()
print("engine:", 2 * steps + 1, "nodes, dy/dx =", float(t.grad))

# The engine's graph of one step, u = t*t + t at t = 3: t is used three times. Predict du/dt
# as the backward pass adds up what each use sends.
t = tensor(3.0)
u = t * t + t
show_backward(u, title="u = t*t + t", predict=True)
