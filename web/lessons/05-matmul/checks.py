# Checks for lesson 5: MatMul.backward on non-square and square shapes, with ad.gradcheck.
# A hint names a mistake from evidence: what the learner's backward writes into each .grad
# (its shape and values, read by calling it on probes), or which known wrong product its
# gradient equals.
import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, check, gradients, need, random_shape, rng


def shapes_text(n, d, m):
    return (f"x is (N, D) = ({n}, {d}), y is (D, M) = ({d}, {m}) and grad is (N, M) = "
            f"({n}, {m})")


def swap(n, d, m, evidence):
    return [f"{evidence} Did you swap the operands? Which product of grad (N, M) and y (D, M) "
            "gives x's shape (N, D), and which product of x and grad gives y's shape (D, M)? "
            f"Here {shapes_text(n, d, m)}.",
            "Write the shapes under each product. For x.grad, grad (N, M) can only meet y along "
            "M, so y enters transposed, (M, D), on the right of grad; for y.grad, x enters "
            "transposed, (D, N), on the left of grad."]


def transpose(n, d, m, evidence):
    return [f"{evidence} Did you forget a transpose, or put the operands in the other order? "
            f"The inner sizes of a product must match, (a, b) @ (b, c), and here "
            f"{shapes_text(n, d, m)}.",
            "grad (N, M) can meet y only along M, y's last axis: y must be turned around, its "
            "transpose (M, D), to give (N, M) @ (M, D) -> (N, D). Likewise x, turned around to "
            "(D, N), meets grad along N for y.grad."]


def transposed(name, n, d, m, evidence):
    return [f"{evidence} Which order of the operands gives {name}'s own layout directly? "
            f"Here {shapes_text(n, d, m)}.",
            "Transposing a product reverses its order, (A B)^T = B^T A^T: swap the operands "
            f"back and transpose each, and the product comes out shaped like {name}."]


class _Written:
    """What a backward adds into one .grad, whatever its shape (the engine would refuse it)."""

    def __init__(self, terms=()):
        self.terms = list(terms)

    def __iadd__(self, value):
        self.terms.append(np.asarray(value, dtype=float))
        return self

    def __isub__(self, value):
        self.terms.append(-np.asarray(value, dtype=float))
        return self

    __add__ = __radd__ = lambda self, value: _Written([*self.terms, np.asarray(value, float)])


class _Probe:
    def __init__(self, data):
        self.data, self.grad = data, _Written()


def written(MatMul, x, y, w):
    """What MatMul.backward writes into x.grad and y.grad, called directly (as the seed does) on
    probes that take any shape: [array or None per input], or the ValueError numpy raised."""
    px, py = _Probe(x), _Probe(y)
    try:
        MatMul().backward(px, py, w.copy())
    except ValueError as e:
        return e
    except Exception:  # noqa: BLE001 - not the kind of mistake these probes read
        return [None, None]
    found = []
    for p in (px, py):
        g = p.grad
        if isinstance(g, _Written):
            shapes = {t.shape for t in g.terms}
            g = sum(g.terms) if len(shapes) == 1 else None
        found.append(None if g is None else np.asarray(g, dtype=float))
    return found


def diagnose(MatMul, x, y, w):
    """A ladder for a backward that writes a gradient of the wrong shape, or cannot multiply."""
    (n, d), m = x.shape, y.shape[1]
    got = written(MatMul, x, y, w)
    if isinstance(got, ValueError):
        return transpose(n, d, m, "numpy refused a product in your backward: its inner sizes "
                                  "do not match.")
    right = [w @ y.T, x.T @ w]
    for i, (name, mine) in enumerate(zip("xy", got)):
        want = right[i].shape
        if mine is None or mine.shape == want:
            continue
        said = f"{name}.grad must have {name}'s shape {want}, but your backward adds an array of "
        other = right[1 - i]
        if mine.shape == other.shape and np.allclose(mine, other):
            return swap(n, d, m, said + f"shape {mine.shape} into it: the shape and the values "
                        f"of {'y' if name == 'x' else 'x'}'s gradient.")
        if mine.shape == want[::-1] and np.allclose(mine, right[i].T):
            return transposed(name, n, d, m, said + f"shape {mine.shape}, {name}'s shape "
                              "turned around, holding the right gradient transposed.")
        return swap(n, d, m, said + f"shape {mine.shape}: {'y' if name == 'x' else 'x'}'s "
                    "shape.") if mine.shape == other.shape else [
            said + f"shape {mine.shape}. Which product of grad (N, M) with "
            f"{'y' if name == 'x' else 'x'} gives {want}? Here {shapes_text(n, d, m)}.",
            swap(n, d, m, "")[1]]
    return None


def likely(n, d, m):
    """Known wrong gradients, where the shapes let them run (square matrices)."""
    def fits(a, like):
        return a if a.shape == like.shape else None

    return [
        (lambda w, x, y: [fits(x.T @ w, x), fits(w @ y.T, y)],
         swap(n, d, m, "Your x.grad holds y's gradient, or your y.grad x's: with square matrices "
                       "both products fit either input, so a swap runs, but it is wrong.")),
        (lambda w, x, y: [fits(w @ y, x), fits(x @ w, y)],
         transpose(n, d, m, "Your gradient is grad times the other input as it is, untransposed: "
                            "with square matrices that fits, but it is wrong.")),
        (lambda w, x, y: [fits(y.T @ w, x), fits(w @ x.T, y)],
         [f"Your gradient is the right product with its operands in the other order: with "
          f"square matrices that runs, but A B is not B A. On which side of grad does the other "
          f"input go? Here {shapes_text(n, d, m)}.",
          "Write the shapes under the product: for x.grad, grad (N, M) comes first and meets the "
          "transposed y, (M, D), on its right; for y.grad, the transposed x, (D, N), comes "
          "first and meets grad on its right."]),
    ]


def check_matmul(MatMul, x, y):
    (n, d), m = x.shape, y.shape[1]
    w = np.random.default_rng(1).uniform(0.5, 1.5, (n, m))
    found = diagnose(MatMul, x, y, w)
    gradients(lambda a, b: MatMul()(a, b), x, y, what="MatMul", names=["x", "y"],
              likely=likely(n, d, m), error_hints=[("", found)] if found else (),
              shape_hint=swap(n, d, m, "Your backward wrote a gradient whose shape is not its "
                                       "input's (the message says which)."))


@check("MatMul.forward is the matrix product")
def forward(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    n, d, m = random_shape(gen, 3)
    x, y = gen.normal(size=(n, d)), gen.normal(size=(d, m))
    if not np.allclose(MatMul()(ad.tensor(x), ad.tensor(y)).data, x @ y):
        raise Failed("Expected MatMul()(x, y) == x @ y.", [
            "forward no longer computes the matrix product: the task is the backward only.",
            "Keep forward as the starter has it (Reset to starter brings it back; your code "
            "stays restorable)."])


@check("MatMul.backward on random non-square shapes (N, D) @ (D, M)")
def non_square(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    for _ in range(2):
        n, d, m = random_shape(gen, 3)
        check_matmul(MatMul, gen.normal(size=(n, d)), gen.normal(size=(d, m)))


@check("MatMul.backward on square shapes, where a mistake would be silent")
def square(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    n = int(gen.integers(2, 5))
    check_matmul(MatMul, gen.normal(size=(n, n)), gen.normal(size=(n, n)))


@check("a row times a column, as in the seed: (1, 3) @ (3, 1)")
def seed_example(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    check_matmul(MatMul, gen.normal(size=(1, 3)), gen.normal(size=(3, 1)))
