"""`ad`: reverse-mode automatic differentiation in pure Python on numpy.

Tensor/Variable and Function are the seed's API; the ops, nn, optim, gradcheck and graph
export are built on them.
"""
from .core import (BackwardError, Function, Tensor, Variable, constant, is_grad_enabled,
                   no_grad, tensor, unbroadcast)
from .ops import concatenate, maximum, minimum, stack, where
from . import ops
from .gradcheck import GradcheckReport, gradcheck
from .graph import graph, to_dot
from . import nn, optim

__version__ = "0.1.0"

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
    "BackwardError", "Function", "GradcheckReport", "Tensor", "Variable", "concatenate",
    "constant", "gradcheck", "graph", "is_grad_enabled", "maximum", "minimum", "nn",
    "no_grad", "ops", "optim", "restore_tensor", "stack", "tensor", "to_dot", "unbroadcast",
    "where",
]
