"""The built-in ops. Importing this package attaches them to Tensor (operators and methods).

How to add a differentiable op (every op here follows it, so all of them differentiate again):

    class Sinh(Function):
        def forward(self, x):                 # x: a Tensor; return a plain ndarray
            return np.sinh(x.data)

        def vjp(self, out, grad, x):          # one gradient per input, or None
            return (grad * xp.cosh(x.data),)  # d sinh(x)/dx = cosh(x)

    Tensor.sinh = Sinh()                      # or a function: def sinh(x): return Sinh()(x)

- Write `vjp` ONCE, for two kinds of values. In a first-order backward, `out`, `x` are the
  Tensors and `grad` an ndarray, so `x.data` is an array and the rule runs at numpy's speed. Under
  create_graph (`backward(create_graph=True)`, `ad.grad` of a gradient, `ad.hessian`, `ad.jvp`)
  `x.data` and `out.data` are the Tensors themselves and `grad` is a Tensor, so the same rule
  records a graph that can be differentiated again.
- So use only what arrays and Tensors share: operators (`+ - * / ** @`, unary `-`),
  `.sum(axis, keepdims=True)`, `.mean`, `.reshape`, `.transpose`, `.swapaxes`, `.T`, `.astype`,
  indexing, `.shape`/`.ndim`/`.dtype`, `unbroadcast` (for every broadcasting input), and the
  functions of `ad.ops.xp` (`xp.exp`, `xp.log`, `xp.where`, `xp.broadcast_to`, ...), which call
  numpy for arrays and ad ops for Tensors. Add a function to `xp` when a rule needs a new one
  (`xp.cosh` above: `np.cosh` for arrays, the ad op for Tensors).
- `np.*` on `x.data` is fine only for what carries no derivative (masks, signs, argmax
  positions): take the plain values with `xp.value(x.data)` first. Under create_graph, numpy on
  a recorded Tensor still gives the first derivative (computed on arrays), and differentiating
  that again raises a BackwardError naming the op, never a silently wrong number.
- A rule that needs a scatter or another numpy-only step gets a companion op whose own vjp is
  the transpose (`Index` uses `IndexAdd` through `xp.index_add`).
- Skip work for an input that does not want a gradient (`if x.requires_grad`), keep the result
  in the data's dtype (a Python number is weak: `grad * 0.5` stays float32), and wrap numerical
  traps in `np.errstate` with a `# NOTE:` saying why.
- Test it like the others: tests/engine/test_ops.py (first order, per shape kind) and
  tests/engine/test_higher_order.py (derivatives against the analytic ones, and check_hvp).
"""
from . import xp
from .elementwise import (Abs, Add, AsType, Clip, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow,
                          ReLU, Sigmoid, Sign, Sqrt, Sub, Tanh, Where, maximum, minimum, where)
from .elementwise import (absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
                          ceil, cos, cosh, exp, exp2, expm1, floor, hypot, log, log1p, log2,
                          log10, logaddexp, mod, reciprocal, sign, sin, sinh, sqrt, square, tan,
                          tanh)
from .reduce import LogSoftmax, Max, Mean, Min, Softmax, Sum
from .reduce import (CumSum, LogSumExp, Norm, Prod, Std, Var, argmax, argmin, cumsum, logsumexp,
                     norm, prod, std, var)
from .shape import (Einsum, Pad, append, diagonal, dot, einsum, expand_dims, flip, outer, pad,
                    repeat, roll, sort, split, tensordot, tile, trace, tril, triu)
from .shape import (BroadcastTo, Concatenate, Index, IndexAdd, MatMul, Reshape, Stack,
                    Transpose, broadcast_to, concatenate, stack)

__all__ = [
    "Abs", "Add", "AsType", "BroadcastTo", "Clip", "Concatenate", "CumSum", "Div", "Einsum", "Exp",
    "Index", "IndexAdd", "Log", "LogSoftmax", "LogSumExp", "MatMul", "Max", "Maximum", "Mean",
    "Min", "Minimum", "Mul", "Neg", "Norm", "Pad", "Pow", "Prod", "ReLU", "Reshape", "Sigmoid",
    "Sign", "Softmax", "Sqrt", "Stack", "Std", "Sub", "Sum", "Tanh", "Transpose", "Var", "Where",
    "absolute", "append", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "argmax", "argmin", "broadcast_to", "ceil", "concatenate", "cos", "cosh", "cumsum", "diagonal",
    "dot", "einsum", "exp", "exp2", "expand_dims", "expm1", "flip", "floor", "hypot", "log",
    "log10", "log1p", "log2", "logaddexp", "logsumexp", "maximum", "minimum", "mod", "norm",
    "outer", "pad", "prod", "reciprocal", "repeat", "roll", "sign", "sin", "sinh", "sort", "split",
    "sqrt", "square", "stack", "std", "tan", "tanh", "tensordot", "tile", "trace", "tril", "triu",
    "var", "where", "xp",
]
