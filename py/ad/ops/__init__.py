"""The built-in ops. Importing this package attaches them to Tensor (operators and methods)."""
from . import xp
from .elementwise import (Abs, Add, AsType, Clip, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow,
                          ReLU, Sigmoid, Sign, Sqrt, Sub, Tanh, Where, maximum, minimum, where)
from .reduce import LogSoftmax, Max, Mean, Min, Softmax, Sum
from .shape import (BroadcastTo, Concatenate, Index, IndexAdd, MatMul, Reshape, Stack,
                    Transpose, broadcast_to, concatenate, stack)

__all__ = [
    "Abs", "Add", "AsType", "BroadcastTo", "Clip", "Concatenate", "Div", "Exp", "Index",
    "IndexAdd", "Log", "LogSoftmax", "MatMul", "Max", "Maximum", "Mean", "Min", "Minimum", "Mul",
    "Neg", "Pow", "ReLU", "Reshape", "Sigmoid", "Sign", "Softmax", "Sqrt", "Stack", "Sub", "Sum",
    "Tanh", "Transpose", "Where", "broadcast_to", "concatenate", "maximum", "minimum", "stack",
    "where", "xp",
]
