# Checks for lesson 5: MatMul.backward on non-square and square shapes, with ad.gradcheck.
import numpy as np

import ad
from ad import Function
from lessoncheck import Failed, check, gradients, need, random_shape, rng

SWAP = ("A gradient must have its input's shape: did you swap the operands? "
        "x.grad += grad @ y.data.T, y.grad += x.data.T @ grad.")
TRANSPOSE = ("did you forget a transpose? For Z = X @ Y: X.grad += grad @ Y.T, "
             "Y.grad += X.T @ grad.")

# backward raised: numpy refused the product (a transpose missing), or the engine refused a
# gradient of the wrong shape (the operands swapped)
ERRORS = [("raised ValueError: matmul", "The shapes in your backward do not fit: " + TRANSPOSE),
          ("wrote a gradient of shape", SWAP)]


def likely(w, x, y):
    # the seed's swap and the missing transposes, as they come out when the shapes let them run
    return [(y @ w.T).T if (y @ w.T).T.shape == x.shape else None,
            (w.T @ x).T if (w.T @ x).T.shape == y.shape else None]


CANDIDATES = [
    (likely, "With square matrices a swap runs but is wrong: did you swap the operands? " + SWAP),
    (lambda w, x, y: [w @ y if (w @ y).shape == x.shape else None,
                      x @ w if (x @ w).shape == y.shape else None], TRANSPOSE),
    (lambda w, x, y: [w @ y.T @ np.ones((1, 1)) * 0, x.T @ w * 0], TRANSPOSE),
]


@check("MatMul.forward is the matrix product")
def forward(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    n, d, m = random_shape(gen, 3)
    x, y = gen.normal(size=(n, d)), gen.normal(size=(d, m))
    if not np.allclose(MatMul()(ad.tensor(x), ad.tensor(y)).data, x @ y):
        raise Failed("Expected MatMul()(x, y) == x @ y.", "Keep forward as the starter has it.")


@check("MatMul.backward on random non-square shapes (N, D) @ (D, M)")
def non_square(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    for _ in range(2):
        n, d, m = random_shape(gen, 3)
        gradients(lambda x, y: MatMul()(x, y), gen.normal(size=(n, d)), gen.normal(size=(d, m)),
                  what="MatMul", names=["x", "y"], shape_hint=SWAP, likely=CANDIDATES,
                  error_hints=ERRORS)


@check("MatMul.backward on square shapes, where a mistake would be silent")
def square(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    n = int(gen.integers(2, 5))
    gradients(lambda x, y: MatMul()(x, y), gen.normal(size=(n, n)), gen.normal(size=(n, n)),
              what="MatMul", names=["x", "y"], shape_hint=SWAP, likely=CANDIDATES,
              error_hints=ERRORS)


@check("a row times a column, as in the seed: (1, 3) @ (3, 1)")
def seed_example(ns):
    MatMul = need(ns, "MatMul", Function)
    gen = rng()
    gradients(lambda x, y: MatMul()(x, y), gen.normal(size=(1, 3)), gen.normal(size=(3, 1)),
              what="MatMul", names=["x", "y"], shape_hint=SWAP, likely=CANDIDATES,
              error_hints=ERRORS)
