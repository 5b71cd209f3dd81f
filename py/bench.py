"""Benchmark of the `ad` engine against the same computations written by hand in numpy.

`python3 build.py bench` runs it in the tooling venv (or `python3 py/bench.py [--repeats N]`
with numpy installed: the `ad` beside it is the one measured). It prints one table: each time
is a median over interleaved runs, each ratio the median of ad's time over numpy's in one pair
of those runs, and each target issue 25's. Not part of the wheel.
"""
import argparse
import os
import platform
import statistics
import sys
import time

# NOTE: a run of its own uses one BLAS thread unless the caller chose otherwise, set before numpy
# loads: on a small shared machine threads fight for the cores and a step's matrix products
# vary threefold from run to run (the page's numpy, in Pyodide, has one thread anyway).
if __name__ == "__main__":
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

import ad  # noqa: E402
from ad.nn import functional as F  # noqa: E402

# Issue 25's targets: the ratio to hand-written numpy each workload must stay under.
TARGETS = {"mlp": 1.3, "mnist": 1.2, "chain": 2.5, "scalar": 3.0, "chain100k": 4.0, "shared": 3.0,
           "cnn": 1.5}


def _timed(fn, number):
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


def compare(ad_fn, np_fn, number, repeats):
    """Median seconds per call of each, and the median of their ratio in each repeat: ad and
    numpy alternate, so a ratio of one pair sees the machine at one speed (on a shared machine
    the speed drifts between repeats more than within a pair)."""
    ad_fn(), np_fn()  # warm up
    a, n = [], []
    for _ in range(repeats):
        a.append(_timed(ad_fn, number))
        n.append(_timed(np_fn, number))
    return (statistics.median(a), statistics.median(n),
            statistics.median(x / y for x, y in zip(a, n)))


def _init(rng, fan_in, fan_out):
    k = 1 / np.sqrt(fan_in)
    return rng.uniform(-k, k, (fan_out, fan_in)), rng.uniform(-k, k, fan_out)


def _sgd_step(model, loss, x, target, lr):
    """The ad side of a comparison: one SGD step of `model` on `loss(model(x), target)`."""
    opt = ad.optim.SGD(model.parameters(), lr=lr)

    def ad_step():
        opt.zero_grad()
        loss(model(x), target).backward()
        opt.step()

    return ad_step


def make_mlp(lr=0.01):
    """One SGD step of a 2-64-64-1 tanh MLP on a batch of 64 with MSE: (ad step, numpy
    step, max |difference| of their parameters after the same number of steps)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(64, 2)), rng.normal(size=(64, 1))
    params = [p for sizes in ((2, 64), (64, 64), (64, 1)) for p in _init(rng, *sizes)]

    model = ad.nn.Sequential(ad.nn.Linear(2, 64), ad.nn.Tanh(), ad.nn.Linear(64, 64),
                             ad.nn.Tanh(), ad.nn.Linear(64, 1))
    for p, v in zip(model.parameters(), params):
        p.data[...] = v
    ad_step = _sgd_step(model, F.mse_loss, ad.constant(X), ad.constant(Y), lr)

    W1, b1, W2, b2, W3, b3 = [p.copy() for p in params]

    def np_step():
        h1 = np.tanh(X @ W1.T + b1)  # (64, 2) @ (2, 64)
        h2 = np.tanh(h1 @ W2.T + b2)  # (64, 64) @ (64, 64)
        out = h2 @ W3.T + b3  # (64, 64) @ (64, 1)
        d = out - Y
        _loss = np.mean(d * d)
        g = (2.0 / d.size) * d
        gW3, gb3 = g.T @ h2, g.sum(0)
        g2 = (g @ W3) * (1 - h2 * h2)
        gW2, gb2 = g2.T @ h1, g2.sum(0)
        g1 = (g2 @ W2) * (1 - h1 * h1)
        gW1, gb1 = g1.T @ X, g1.sum(0)
        for p, gp in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2), (W3, gW3), (b3, gb3)):
            p -= lr * gp

    return ad_step, np_step, _differ(model.parameters(), [W1, b1, W2, b2, W3, b3])


def make_mnist(lr=0.01):
    """One SGD step of a 784-256-10 ReLU softmax classifier, batch 128, cross-entropy."""
    rng = np.random.default_rng(1)
    X = rng.random((128, 784))
    T = rng.integers(0, 10, 128)
    params = [p for sizes in ((784, 256), (256, 10)) for p in _init(rng, *sizes)]

    model = ad.nn.Sequential(ad.nn.Linear(784, 256), ad.nn.ReLU(), ad.nn.Linear(256, 10))
    for p, v in zip(model.parameters(), params):
        p.data[...] = v
    ad_step = _sgd_step(model, F.cross_entropy, ad.constant(X), T, lr)

    W1, b1, W2, b2 = [p.copy() for p in params]
    rows = np.arange(128)

    def np_step():
        z1 = X @ W1.T + b1  # (128, 784) @ (784, 256)
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2.T + b2  # (128, 256) @ (256, 10)
        z = z2 - z2.max(1, keepdims=True)
        e = np.exp(z)
        s = e.sum(1, keepdims=True)
        _loss = np.mean(np.log(s[:, 0]) - z[rows, T])
        g = e / s
        g[rows, T] -= 1
        g /= 128
        gW2, gb2 = g.T @ h1, g.sum(0)
        g1 = (g @ W2) * (z1 > 0)
        gW1, gb1 = g1.T @ X, g1.sum(0)
        for p, gp in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
            p -= lr * gp

    return ad_step, np_step, _differ(model.parameters(), [W1, b1, W2, b2])


def make_cnn(lr=0.01):
    """One SGD step of conv(1->8, 3x3, pad 1) - ReLU - 2x2 max pool - linear(512->10), batch
    32 of 16x16 images, cross-entropy; numpy by hand with the same im2col."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(32, 1, 16, 16))
    T = rng.integers(0, 10, 32)
    model = ad.nn.Sequential(ad.nn.Conv2d(1, 8, 3, padding=1, rng=rng), ad.nn.ReLU(),
                             ad.nn.MaxPool2d(2), ad.nn.Flatten(),
                             ad.nn.Linear(512, 10, rng=rng))
    ad_step = _sgd_step(model, F.cross_entropy, ad.constant(X), T, lr)

    K, c, W, b = [p.data.copy() for p in model.parameters()]
    rows = np.arange(32)
    Xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(Xp, (3, 3), axis=(2, 3))
    cols = np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(32 * 256, 9)

    def np_step():
        z1 = cols @ K.reshape(8, 9).T + c  # (N*16*16, 9) @ (9, 8)
        h = np.maximum(z1, 0).reshape(32, 16, 16, 8).transpose(0, 3, 1, 2)  # (N, 8, 16, 16)
        blocks = h.reshape(32, 8, 8, 2, 8, 2)
        pooled = blocks.max(axis=(3, 5))  # (N, 8, 8, 8)
        flat = pooled.reshape(32, 512)
        z2 = flat @ W.T + b
        z = z2 - z2.max(1, keepdims=True)
        e = np.exp(z)
        g = e / e.sum(1, keepdims=True)
        g[rows, T] -= 1
        g /= 32
        gW, gb = g.T @ flat, g.sum(0)
        gp = (g @ W).reshape(32, 8, 8, 1, 8, 1)
        hit = blocks == pooled[:, :, :, None, :, None]  # ties share the gradient
        gh = (gp * hit / hit.sum(axis=(3, 5), keepdims=True)).reshape(32, 8, 16, 16)
        gz1 = gh.transpose(0, 2, 3, 1).reshape(32 * 256, 8) * (z1 > 0)
        gK, gc = (gz1.T @ cols).reshape(8, 1, 3, 3), gz1.sum(0)
        for p, gq in ((K, gK), (c, gc), (W, gW), (b, gb)):
            p -= lr * gq

    return ad_step, np_step, _differ(model.parameters(), [K, c, W, b])


def make_chain(n=1000):
    """A chain of n elementwise ops on shape (4,): y*w, y+b, tanh(y) in turn; forward and
    backward (gradients for x, w and b)."""
    rng = np.random.default_rng(2)
    x0, w0, b0 = rng.uniform(-1, 1, 4), rng.uniform(0.5, 1.5, 4), rng.uniform(-0.1, 0.1, 4)
    x, w, b = ad.tensor(x0), ad.tensor(w0), ad.tensor(b0)

    def ad_chain():
        x.zero_grad(), w.zero_grad(), b.zero_grad()
        y = x
        for i in range(n):
            k = i % 3
            y = y * w if k == 0 else (y + b if k == 1 else y.tanh())
        y.backward()
        return x.grad, w.grad, b.grad

    def np_chain():
        ys = [x0]
        y = x0
        for i in range(n):
            k = i % 3
            y = y * w0 if k == 0 else (y + b0 if k == 1 else np.tanh(y))
            ys.append(y)
        g = np.ones(4)
        gw, gb = np.zeros(4), np.zeros(4)
        for i in range(n - 1, -1, -1):
            k = i % 3
            if k == 0:
                gw += g * ys[i]
                g = g * w0
            elif k == 1:
                gb += g
            else:
                t = ys[i + 1]
                g = g * (1 - t * t)
        return g, gw, gb

    def differ():
        return max(float(np.max(np.abs(a - b))) for a, b in zip(ad_chain(), np_chain()))

    return ad_chain, np_chain, differ


def _differ(params, arrays):
    return lambda: max(float(np.max(np.abs(p.data - a))) for p, a in zip(params, arrays))


def make_scalar_mlp(lr=0.05):
    """One SGD step of micrograd's README network, MLP(3, [4, 4, 1]) with tanh on its four
    samples, every value 0-d (41 scalar parameters, ~250 ops): loss sum((out - y)**2), written
    d * d. numpy by hand on the same 0-d arrays, forward then backward op by op."""
    rng = np.random.default_rng(3)
    X = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    Y = [1.0, -1.0, -1.0, 1.0]
    sizes = ((3, 4), (4, 4), (4, 1))
    init = [[(rng.uniform(-1, 1, n_in), rng.uniform(-1, 1)) for _ in range(n_out)]
            for n_in, n_out in sizes]

    layers = [[([ad.tensor(w) for w in ws], ad.tensor(b)) for ws, b in layer] for layer in init]
    xs = [[ad.constant(v) for v in row] for row in X]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    opt = ad.optim.SGD(params, lr=lr)

    def ad_step():
        opt.zero_grad()
        loss = 0.0
        for x, y in zip(xs, Y):
            for layer in layers:
                x = [sum((w * v for w, v in zip(ws, x)), b).tanh() for ws, b in layer]
            d = x[0] - y
            loss = d * d + loss
        loss.backward()
        opt.step()

    net = [[([np.array(w) for w in ws], np.array(b)) for ws, b in layer] for layer in init]
    arrays = [p for layer in net for ws, b in layer for p in (*ws, b)]
    xa = [[np.array(v) for v in row] for row in X]

    def np_step():
        grads, loss = {id(p): 0.0 for p in arrays}, 0.0
        for x, y in zip(xa, Y):
            acts = [x]
            for layer in net:  # forward, keeping each layer's output
                x = [np.tanh(sum((w * v for w, v in zip(ws, x)), b)) for ws, b in layer]
                acts.append(x)
            d = x[0] - y
            loss = d * d + loss
            g = [2 * d]  # d(d * d)/dx
            for depth in range(len(net) - 1, -1, -1):
                inp, gin = acts[depth], [0.0] * len(acts[depth])
                for (ws, b), o, go in zip(net[depth], acts[depth + 1], g):
                    ga = go * (1 - o * o)  # through tanh
                    grads[id(b)] += ga
                    for k, (w, v) in enumerate(zip(ws, inp)):
                        grads[id(w)] += ga * v
                        if depth:  # the data needs no gradient
                            gin[k] = gin[k] + ga * w
                g = gin
        for p in arrays:
            p -= lr * grads[id(p)]

    return ad_step, np_step, _differ(params, arrays)


def make_shared(levels=25):
    """y = y * y + y repeated `levels` times on shape (4,): each value is used three times, a
    DAG the seed's recursion walks 3**levels times. Forward and backward, numpy op by op."""
    x0 = np.full(4, -0.5)
    x = ad.tensor(x0)

    def ad_shared():
        x.zero_grad()
        y = x
        for _ in range(levels):
            y = y * y + y
        y.backward()
        return x.grad

    def np_shared():
        ys, y = [], x0
        for _ in range(levels):
            ys.append(y)
            y = y * y + y
        g = np.ones(4)
        for y in reversed(ys):  # add: g to both; mul: g * y to each of its two operands
            gy = g * y
            g = g + gy + gy
        return g

    return ad_shared, np_shared, lambda: float(np.max(np.abs(ad_shared() - np_shared())))


def bench_shared(repeats, levels=40):
    """Backward alone through y = y * y + y repeated `levels` times (each value used twice)."""
    times = []
    for _ in range(repeats):
        x = ad.tensor(np.full(4, -0.5))
        y = x
        for _ in range(levels):
            y = y * y + y
        t = time.perf_counter()
        y.backward()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _us(s):
    return f"{s * 1e6:9.1f} us"


def main(argv=None):
    """Print the benchmark table; `argv` as for the command line (None: sys.argv)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15,
                        help="interleaved timing runs per case; the median is reported")
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    scale = 0.2 if args.quick else 1.0

    print(f"ad {ad.__version__} benchmark: Python {platform.python_version()}, "
          f"numpy {np.__version__} (OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}), "
          f"median of {repeats} interleaved runs")
    rows, differences = [], []
    for key, name, make, number, per in (
            ("mlp", "2-64-64-1 tanh MLP step (batch 64, MSE, SGD)", make_mlp, 200, 1),
            ("mnist", "784-256-10 softmax step (batch 128, CE, SGD)", make_mnist, 20, 1),
            ("chain", "1000-op chain on (4,), per op (fwd + bwd)", make_chain, 5, 1000),
            ("scalar", "micrograd MLP(3, [4, 4, 1]) step, 0-d values", make_scalar_mlp, 20, 1),
            ("chain100k", "100k-op chain on (4,), per op (fwd + bwd)",
             lambda: make_chain(100_000), 1, 100_000),
            ("shared", "25-level shared DAG y = y*y + y (fwd + bwd)", make_shared, 200, 1),
            ("cnn", "conv-relu-pool-linear step (32x1x16x16, CE, SGD)", make_cnn, 20, 1)):
        ad_fn, np_fn, differ = make()
        a, n, ratio = compare(ad_fn, np_fn, max(1, int(number * scale)), repeats)
        rows.append((name, a / per, n / per, ratio, key))
        differences.append(differ())  # both ran the same steps: same numbers expected

    print(f"{'case':<48} {'ad':>12} {'numpy':>12} {'ratio':>7}  target")
    ok = True
    for name, a, n, ratio, key in rows:
        met = ratio <= TARGETS[key]
        ok &= met
        print(f"{name:<48} {_us(a)} {_us(n)} {ratio:6.2f}x  <= {TARGETS[key]}x "
              f"{'ok' if met else 'MISSED'}")
    shared = bench_shared(repeats)
    print(f"{'40-level shared graph (y = y*y + y), backward':<48} {shared * 1e3:9.2f} ms")
    print(f"ad and numpy computed the same numbers: max |difference| {max(differences):.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
