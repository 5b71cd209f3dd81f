# Gradients of gradients. ad.grad composes, ad.hessian gives second derivatives, and
# loss.backward(create_graph=True) leaves gradients you can differentiate again: here a
# gradient penalty (as in WGAN-GP) trains a model whose slope must stay below 1.
import numpy as np

import ad
from ad import nn, optim
from ad.nn import functional as F
from playground import plot

# 1. grad of grad: the second derivative of tanh, against its formula.
d2 = ad.grad(ad.grad(lambda x: x.tanh()))
t = np.tanh(0.5)
formula = -2 * t * (1 - t ** 2)
print(f"d2/dx2 tanh(x) at 0.5 = {d2(0.5).item():.6f}, formula {formula:.6f}:",
      "matches the formula" if np.isclose(d2(0.5).item(), formula) else "DIFFERS")

# A Hessian has the argument's shape twice; a Hessian-vector product nests two grads.
f = lambda w: (w ** 3).sum() + w[0] * w[1]
w, v = np.array([1.0, 2.0]), np.array([1.0, -1.0])
H = ad.hessian(f)(w)
hvp = ad.grad(lambda u: (ad.grad(f)(u) * v).sum())(w)
print("Hessian of sum(w^3) + w0*w1 at [1, 2]:", H.tolist())
print("Hessian-vector product by nesting grads:", hvp.tolist(), "= H @ v:", (H.data @ v).tolist())

# 2. A gradient penalty. The target is a step, which a free model fits with a steep slope;
# the penalty charges every input where |d model / d x| exceeds 1.
X = np.linspace(-2, 2, 64).reshape(-1, 1)
targets = ad.constant(np.sign(X))


def train(weight, steps=301):
    """Fit the step with an MLP; `weight` scales the gradient penalty (0: none)."""
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(1, 32, rng=rng), nn.Tanh(), nn.Linear(32, 1, rng=rng))
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    curve = plot(title=f"loss, penalty weight {weight}", ylabel="loss")
    for step in range(steps):
        x = ad.tensor(X)  # the input wants a gradient: the penalty is about d out / d x
        out = model(x)
        out.sum().backward(create_graph=True)  # x.grad: d out / d x, itself differentiable
        slope = x.grad
        penalty = ((slope.abs() - 1).relu() ** 2).mean()
        loss = F.mse_loss(out, targets) + weight * penalty
        optimizer.zero_grad()  # the first backward also left gradients on the parameters
        loss.backward()  # through the penalty too: a second derivative of the model
        optimizer.step()
        curve.append(loss.data)
        if weight and step % 100 == 0:
            print(f"step {step:3d}  loss {loss.item():.4f}  "
                  f"max |slope| {np.abs(slope.data).max():.2f}")
    return float(np.abs(slope.data).max())


free, held = train(weight=0), train(weight=10)
print(f"steepest slope without the penalty: {free:.2f}; with it: {held:.2f}:",
      "the penalty held it near 1" if held < 1.2 < free else "the penalty did NOT hold it")
