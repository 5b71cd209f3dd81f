# Train a small MLP to separate two interleaving half-moons,
# with ad.nn and the Adam optimizer. The loss curve grows as it trains.
import numpy as np

import ad
from ad import nn, optim
from ad.nn import functional as F
from playground import decision_boundary, plot

rng = np.random.default_rng(0)


def two_moons(n, noise=0.15):
    t = rng.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.concatenate([upper, lower])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([np.zeros(n), np.ones(n)])
    return X, y


X, y = two_moons(100)
X = (X - X.mean(axis=0)) / X.std(axis=0)
inputs, targets = ad.constant(X), ad.constant(y.reshape(-1, 1))  # data: no gradient wanted

model = nn.Sequential(
    nn.Linear(2, 16), nn.Tanh(),
    nn.Linear(16, 16), nn.Tanh(),
    nn.Linear(16, 1),
)
optimizer = optim.Adam(model.parameters(), lr=0.05)
curve = plot(title="training loss", ylabel="loss")

for step in range(201):
    logits = model(inputs)
    loss = F.binary_cross_entropy_with_logits(logits, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    curve.append(loss.data)
    if step % 25 == 0:
        accuracy = ((logits.data > 0) == (targets.data > 0.5)).mean()
        loss_value = float(loss.data)
        print(f"step {step:3d}  loss {loss_value:.4f}  accuracy {accuracy:.0%}")

# The score over the plane: the boundary is where the logit crosses 0.
decision_boundary(lambda grid: model(ad.constant(grid)).data, X, y,
                  title="what the MLP learned")
