"""`ad`: reverse-mode automatic differentiation in pure Python on numpy.

Tensor/Variable and Function are the seed's API; the ops, nn, optim, gradcheck, graph
export (`graph`, `walk`) and the backward replay (`replay`) are built on them.
`backward(create_graph=True)` and the functional API (grad, value_and_grad, elementwise_grad,
jacobian, hessian, hessian_vector_product, jvp) take gradients of gradients and forward-mode
derivatives.
"""
from .core import (BackwardError, Function, Tensor, Variable, constant, enable_grad,
                   is_grad_enabled, no_grad, tensor, unbroadcast, walk)
from .ops import broadcast_to, concatenate, maximum, minimum, stack, where
from . import ops
from .ops import (absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, ceil, cos,
                  cosh, exp, exp2, expm1, floor, hypot, log, log1p, log2, log10, logaddexp, mod,
                  reciprocal, sign, sin, sinh, sqrt, square, tan, tanh)
from .ops import argmax, argmin, cumsum, logsumexp, norm, prod, std, var
from .ops import (append, diagonal, dot, einsum, expand_dims, flip, outer, pad, repeat, roll, sort,
                  split, tensordot, tile, trace, tril, triu)
from .differential import (elementwise_grad, grad, hessian, hessian_vector_product, jacobian,
                           jvp, value_and_grad)
from .gradcheck import GradcheckReport, gradcheck
from .graph import graph, to_dot
from .replay import Replay, replay
from . import nn, optim

__version__ = "0.1.0"
abs = absolute  # numpy's alias; left out of __all__ so `from ad import *` keeps the builtin

_BUILTIN_TENSOR = dict(vars(Tensor))  # Tensor's methods and operators as shipped


def restore_tensor():
    """Undo user reassignments such as `Tensor.__matmul__ = TensorDotProduct()`: put back
    Tensor's built-in operators and methods and drop added ones. For a long-lived interpreter
    (a notebook, a test session); the web playground needs none: it re-imports `ad` per run."""
    for name in set(vars(Tensor)) - set(_BUILTIN_TENSOR):
        delattr(Tensor, name)
    for name, value in _BUILTIN_TENSOR.items():
        if vars(Tensor).get(name) is not value and name != "__doc__":
            setattr(Tensor, name, value)


__all__ = [
    "BackwardError", "Function", "GradcheckReport", "Tensor", "Variable", "absolute", "append",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin",
    "broadcast_to", "ceil", "concatenate", "constant", "cos", "cosh", "cumsum", "diagonal", "dot",
    "einsum", "elementwise_grad", "enable_grad", "exp", "exp2", "expand_dims", "expm1", "flip",
    "floor", "grad", "gradcheck", "graph", "hessian", "hessian_vector_product", "hypot",
    "is_grad_enabled", "jacobian", "jvp", "log", "log10", "log1p", "log2", "logaddexp", "logsumexp",
    "maximum", "minimum", "mod", "nn", "no_grad", "norm", "ops", "optim", "outer", "pad", "prod",
    "reciprocal", "repeat", "Replay", "replay", "restore_tensor", "roll", "sign", "sin", "sinh",
    "sort", "split", "sqrt", "square", "stack", "std", "tan", "tanh", "tensor", "tensordot", "tile",
    "to_dot", "trace", "tril", "triu", "unbroadcast", "value_and_grad", "var", "walk", "where",
]
