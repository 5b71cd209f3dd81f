"""`ad`: reverse-mode automatic differentiation in pure Python on numpy.

Tensor/Variable and Function are the seed's API; the ops, nn, optim, gradcheck, graph
export and the backward replay (`replay`) are built on them. `backward(create_graph=True)`
and the functional API (grad, value_and_grad, elementwise_grad, jacobian, hessian,
hessian_vector_product, jvp) take gradients of gradients and forward-mode derivatives.
"""
from .core import (BackwardError, Function, Tensor, Variable, constant, enable_grad,
                   is_grad_enabled, no_grad, tensor, unbroadcast)
from .ops import broadcast_to, concatenate, maximum, minimum, stack, where
from . import ops
from .differential import (elementwise_grad, grad, hessian, hessian_vector_product, jacobian,
                           jvp, value_and_grad)
from .gradcheck import GradcheckReport, gradcheck
from .graph import graph, to_dot
from .replay import Replay, replay
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
    "BackwardError", "Function", "GradcheckReport", "Tensor", "Variable", "broadcast_to",
    "concatenate", "constant", "elementwise_grad", "enable_grad", "grad", "gradcheck", "graph",
    "hessian", "hessian_vector_product", "is_grad_enabled", "jacobian", "jvp", "maximum",
    "minimum", "nn", "no_grad", "ops", "optim", "Replay", "replay", "restore_tensor", "stack",
    "tensor", "to_dot", "unbroadcast", "value_and_grad", "where",
]
