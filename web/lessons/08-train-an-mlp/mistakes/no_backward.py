# expect-hint: Did you call backward on the loss at each step?
# Train a two-layer perceptron on two moons with plain gradient descent.
import numpy as np

import ad
from ad.nn import functional as F
from playground import decision_boundary, plot


def two_moons(n, rng, noise=0.15):
    """n points on each of two interleaving half-moons, and their classes (0 or 1)."""
    t = rng.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(scale=noise, size=(2 * n, 2))
    return X, np.concatenate([np.zeros(n, int), np.ones(n, int)])


def train(X, y, steps=300, lr=0.5, seed=0):
    """Train on (X, y), y holding class indices; return predict(X) -> classes, and the losses."""
    gen = np.random.default_rng(seed)
    W1 = ad.tensor(gen.normal(scale=1.0, size=(2, 16)))
    b1 = ad.tensor(np.zeros(16))
    W2 = ad.tensor(gen.normal(scale=0.5, size=(16, 2)))
    b2 = ad.tensor(np.zeros(2))
    params = [W1, b1, W2, b2]
    inputs = ad.constant(X)  # data: no gradient wanted

    def model(x):
        return (x @ W1 + b1).tanh() @ W2 + b2  # (N, 2) -> (N, 16) -> (N, 2)

    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(inputs), y)
        for p in params:
            p.zero_grad()
        for p in params:
            p.data -= lr * p.grad
        losses.append(float(loss.data))
    return (lambda X: model(ad.constant(X)).data.argmax(axis=1)), losses


rng = np.random.default_rng(0)
X, y = two_moons(100, rng)
predict, losses = train(X, y)
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}")
print(f"accuracy {np.mean(predict(X) == y):.0%}")
plot(losses, title="training loss")
decision_boundary(lambda grid: predict(grid), X, y, title="what the MLP learned")
