"""Optimizers with PyTorch's names, defaults and update rules: SGD (momentum, dampening, Nesterov,
weight decay), Adam (amsgrad) and AdamW (decoupled weight decay). They update `.data` in place,
read each parameter's gradient without copying it (`Tensor.grad_view()`), and skip a parameter
that has no gradient, whose state then waits, as in PyTorch."""
import numpy as np

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]


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
    """g += weight_decay * p; with momentum, v = momentum * v + (1 - dampening) * g (v = g at
    a parameter's first step) and g = g + momentum * v if nesterov else v; then p -= lr * g."""

    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(params, lr)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: nesterov=True needs a momentum > 0 and dampening=0 (as in "
                             f"PyTorch), got momentum={momentum}, dampening={dampening}")
        self.momentum, self.dampening = momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov
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
                    v += (1 - self.dampening) * g if self.dampening else g
                g = g + momentum * v if self.nesterov else v
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction. Each parameter counts its own steps: one
    skipped for want of a gradient starts its bias correction at its first real update.
    weight_decay adds wd * p to the gradient; amsgrad divides by the largest second moment
    seen so far (Reddi et al.)."""

    _decoupled = False  # AdamW: weight decay shrinks p itself, not through the moments

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay, self.amsgrad = betas, eps, weight_decay, amsgrad
        self._steps = [0] * len(self.params)  # per parameter, as PyTorch's state["step"]
        # NOTE: the moments of all parameters live in flat buffers (self._m[i] is a view of
        # parameter i's part), so a step can update every parameter with one set of numpy calls
        # instead of a dozen calls per parameter: for a small model the per-call cost is most of
        # the step (more so in Pyodide). The arithmetic is the per-parameter loop's, bit for bit.
        self._shapes = [p.data.shape for p in self.params]
        sizes = [p.data.size for p in self.params]
        names = ("m", "v", "vmax", "g", "a", "b") if amsgrad else ("m", "v", "g", "a", "b")
        self._flat = {name: np.zeros(sum(sizes)) for name in names}
        ends = np.cumsum(sizes).tolist()
        parts = list(zip([0, *ends[:-1]], ends, self._shapes))
        views = {name: [flat[a:b].reshape(shape) for a, b, shape in parts]
                 for name, flat in self._flat.items()}
        self._m, self._v, self._vmax, self._update = (views["m"], views["v"], views.get("vmax"),
                                                      views["a"])

    def step(self):
        grads = [p.grad_view() for p in self.params]
        steps = self._steps
        for i, g in enumerate(grads):
            if g is not None:
                steps[i] += 1
        coupled = self.weight_decay and not self._decoupled
        if not coupled and steps.count(steps[0]) == len(steps) and all(
                g is not None and g.shape == shape and g.dtype == np.float64
                for g, shape in zip(grads, self._shapes)):
            return self._step_flat(grads, steps[0])
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if g is None:
                continue
            self._shrink(p)
            if coupled:
                g = g + self.weight_decay * p.data
            vmax = self._vmax[i] if self.amsgrad else None
            p.data -= self._update_of(g, self._m[i], self._v[i], vmax, steps[i])

    def _update_of(self, g, m, v, vmax, t):
        """One parameter's update from its gradient; its moments are updated in place."""
        b1, b2 = self.betas
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        if vmax is not None:
            np.maximum(vmax, v, out=vmax)
            v = vmax
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
        if self.amsgrad:
            v = np.maximum(flat["vmax"], v, out=flat["vmax"])
        np.divide(m, 1 - b1 ** t, out=a)
        a *= self.lr  # lr * (m / c1)
        np.divide(v, 1 - b2 ** t, out=b)
        np.sqrt(b, out=b)
        b += self.eps
        a /= b
        for p, update in zip(self.params, self._update):
            self._shrink(p)
            p.data -= update

    def _shrink(self, p):
        if self.weight_decay and self._decoupled:
            p.data *= 1 - self.lr * self.weight_decay


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay
    before each update, instead of adding weight_decay * p to the gradient."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
