# Checks for lesson 16: Newton's method on hidden convex functions (10 digits in 7 steps),
# hvp against the engine's Hessian without building one, and Softplus's first and second
# derivatives.
import numpy as np

import ad
from ad import Function
from ad.nn import functional as F
from lessoncheck import Failed, backward_matches, check, expect_array, need, rng

AGAIN = ["Your backward computes with plain arrays (`.data`, numpy functions): the engine "
         "cannot record that maths, so it cannot differentiate it a second time.",
         "Compute the derivative from x with the Tensor's own methods (a Tensor has `sigmoid`) "
         "and multiply grad by it as a Tensor: no `.data`, no numpy function on the way."]
NEWTON = ["Newton divides the slope by the curvature: both come from the engine, the second by "
          "differentiating the first.",
          "`ad.grad` of f is the slope as a function of x, and `ad.grad` of that function the "
          "curvature; each step moves x by minus the slope over the curvature, both at x, as "
          "floats."]
NO_MATRIX = ["H v needs no matrix: it is the gradient of one number, the dot product of the "
             "gradient with v (two reverse passes instead of n).",
             "Write a function of x that returns one number, the gradient of f at x dotted "
             "with v, and take `ad.grad` of that function at x."]


def convex(gen):
    """f(x) = cosh(x - a) + b (x - a)**2, its minimum at a, and a start some way off."""
    a, b = gen.uniform(-2, 2), gen.uniform(0.1, 1.0)
    return (lambda x: ad.cosh(x - a) + b * (x - a) ** 2), a, a + gen.choice([-1, 1]) * \
        gen.uniform(1.0, 2.5)


@check("newton reaches a hidden function's minimum to 10 digits in 7 steps")
def newton_converges(ns):
    newton = need(ns, "newton")
    gen = rng()
    for _ in range(2):
        f, a, x0 = convex(gen)
        xs = newton(f, x0, 7)
        if not isinstance(xs, (list, tuple)) or len(xs) != 8:
            raise Failed(f"Expected newton(f, x0, 7) to return the 8 iterates x0 ... x7; got "
                         f"{type(xs).__name__} of {len(xs) if hasattr(xs, '__len__') else '?'}.",
                         ["The list starts with x0 and grows by one per step.",
                          "xs = [float(x0)], then append each new x."])
        errors = [abs(float(x) - a) for x in xs]
        if errors[-1] < 1e-10:
            continue
        descent = [x0]
        for _ in range(7):
            descent.append(descent[-1] - float(ad.grad(f)(descent[-1])))
        said = (f"Expected x7 within 1e-10 of the minimum {a:.6f}; got {float(xs[-1]):.10g} "
                f"(errors {', '.join(f'{e:.1e}' for e in errors[1:])}).")
        if np.allclose([float(x) for x in xs], descent, equal_nan=True):
            raise Failed(said, ["That is gradient descent with step 1: Newton scales the step "
                                "by the curvature, dividing by the second derivative.",
                                NEWTON[1]])
        raise Failed(said, NEWTON)


@check("hvp(f, x, v) is H v, without building the Hessian (hidden f, x, v)")
def hessian_vector(ns):
    hvp = need(ns, "hvp")
    gen = rng()
    n = int(gen.integers(3, 7))
    A = gen.normal(size=(n + 1, n))

    def f(x):
        return (ad.tanh(A @ x) ** 2).sum() + (x ** 4).sum() / 4

    x, v = gen.normal(size=n), gen.normal(size=n)
    want = ad.hessian(f)(x).data @ v
    wrong = ad.grad(f)(x).data * v
    saved = {name: getattr(ad, name) for name in ("hessian", "jacobian",
                                                   "hessian_vector_product")}

    def forbidden(*args, **kwargs):
        raise Failed("Expected hvp to use two reverse passes; it built the Hessian.",
                     NO_MATRIX)

    for name in saved:
        setattr(ad, name, forbidden)
    try:
        got = hvp(f, x.copy(), v.copy())
    finally:
        for name, fn in saved.items():
            setattr(ad, name, fn)
    expect_array(got, want, f"hvp(f, x, v) for x of shape ({n},)",
                 ["Differentiate twice: the inner ad.grad gives the gradient, its dot product "
                  "with v is a number, and the outer ad.grad differentiates that number.",
                  NO_MATRIX[1]], reference="H v",
                 likely=[(wrong, ["That is the gradient times v, elementwise: H v is the "
                                  "gradient of (gradient . v), one more derivative.",
                                  NO_MATRIX[1]])], rtol=1e-6, atol=1e-8)


@check("Softplus.backward matches the engine's softplus")
def softplus_first(ns):
    Softplus = need(ns, "Softplus", Function)
    x = rng().normal(scale=2.0, size=(3, 4))
    backward_matches(lambda t: Softplus()(t), F.softplus, [x], ["x"], "Softplus",
                     hints={"x": ["d/dx log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x).",
                                  "Multiply grad by the sigmoid of x, computed with the "
                                  "Tensor's own `sigmoid`, and add that into x's gradient."]},
                     error_hints=[("ufunc", ["A numpy function met a Tensor: in backward, x "
                                             "and grad are Tensors. Use their own methods.",
                                             "`x.sigmoid()`, `x.exp()`, ... instead of "
                                             "`np.exp(x)`."])])


@check("Softplus differentiates twice: its second derivative is sigmoid (1 - sigmoid)")
def softplus_second(ns):
    Softplus = need(ns, "Softplus", Function)
    x = rng().normal(scale=2.0, size=5)
    s = 1 / (1 + np.exp(-x))
    try:
        got = ad.elementwise_grad(ad.elementwise_grad(lambda t: Softplus()(t)))(x)
    except ad.BackwardError as e:
        if "cannot be differentiated again" in str(e):
            raise Failed("Expected ad.grad of ad.grad of your Softplus to work; the engine "
                         f"says: {str(e).splitlines()[0]}", AGAIN) from None
        raise
    expect_array(got, s * (1 - s), "the second derivative of your Softplus",
                 ["The first derivative is sigmoid(x); the engine differentiates that, if "
                  "your backward computes it with Tensor operations.", AGAIN[1]],
                 reference="sigmoid (1 - sigmoid)")
