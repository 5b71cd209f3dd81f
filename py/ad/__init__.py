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

__all__ = [
    "BackwardError", "Function", "GradcheckReport", "Tensor", "Variable", "concatenate",
    "constant", "gradcheck", "graph", "is_grad_enabled", "maximum", "minimum", "nn",
    "no_grad", "ops", "optim", "stack", "tensor", "to_dot", "unbroadcast", "where",
]
