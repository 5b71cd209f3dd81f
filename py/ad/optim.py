"""Optimizers: SGD (momentum, weight decay) and Adam. They update `.data` in place, read each
parameter's gradient without copying it (`Tensor.grad_view()`), and skip a parameter that has
no gradient, whose state then waits, as in PyTorch."""
import numpy as np

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    def __init__(self, params, lr):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got no parameters. Hint: pass "
                             "model.parameters() after building the model")
        seen, self.params = set(), []
        for p in params:
            if id(p) not in seen:
                seen.add(id(p))
                self.params.append(p)
        self.lr = lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        raise NotImplementedError


class SGD(Optimizer):
    """p -= lr * v, v = momentum * v + (g + weight_decay * p)."""

    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay
        self._velocity = [None] * len(self.params)

    def step(self):
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad_view()
            if g is None:
                continue
            if decay:
                g = g + decay * p.data
            if momentum:
                v = self._velocity[i]
                if v is None:
                    v = self._velocity[i] = np.array(g, dtype=np.result_type(g, float))
                else:
                    v *= momentum
                    v += g
                g = v
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction. Each parameter counts its own steps: one
    skipped for want of a gradient starts its bias correction at its first real update.
    weight_decay adds wd * p to the gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self._steps = [0] * len(self.params)  # per parameter, as PyTorch's state["step"]
        # NOTE: the moments of all parameters live in flat buffers (self._m[i] is a view of
        # parameter i's part), so a step can update every parameter with one set of numpy calls
        # instead of a dozen calls per parameter: for a small model the per-call cost is most of
        # the step (more so in Pyodide). The arithmetic is the per-parameter loop's, bit for bit.
        self._shapes = [p.data.shape for p in self.params]
        sizes = [p.data.size for p in self.params]
        self._flat = {name: np.zeros(sum(sizes)) for name in ("m", "v", "g", "a", "b")}
        ends = np.cumsum(sizes).tolist()
        parts = list(zip([0, *ends[:-1]], ends, self._shapes))
        views = {name: [flat[a:b].reshape(shape) for a, b, shape in parts]
                 for name, flat in self._flat.items()}
        self._m, self._v, self._update = views["m"], views["v"], views["a"]

    def step(self):
        grads = [p.grad_view() for p in self.params]
        steps = self._steps
        for i, g in enumerate(grads):
            if g is not None:
                steps[i] += 1
        if not self.weight_decay and steps.count(steps[0]) == len(steps) and all(
                g is not None and g.shape == shape and g.dtype == np.float64
                for g, shape in zip(grads, self._shapes)):
            return self._step_flat(grads, steps[0])
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if g is None:
                continue
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            p.data -= self._update_of(g, self._m[i], self._v[i], steps[i])

    def _update_of(self, g, m, v, t):
        """One parameter's update from its gradient; its moments are updated in place."""
        b1, b2 = self.betas
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        return self.lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + self.eps)

    def _step_flat(self, grads, t):
        """Every parameter at once, when all have a float64 gradient and the same count."""
        b1, b2 = self.betas
        flat = self._flat
        m, v, g, a, b = flat["m"], flat["v"], flat["g"], flat["a"], flat["b"]
        np.concatenate(grads, axis=None, out=g)
        m *= b1
        m += (1 - b1) * g
        v *= b2
        np.multiply(g, g, out=g)
        g *= 1 - b2
        v += g
        np.divide(m, 1 - b1 ** t, out=a)
        a *= self.lr  # lr * (m / c1)
        np.divide(v, 1 - b2 ** t, out=b)
        np.sqrt(b, out=b)
        b += self.eps
        a /= b
        for p, update in zip(self.params, self._update):
            p.data -= update
