"""The built-in ops. Importing this package attaches them to Tensor (operators and methods)."""
from .elementwise import (Abs, Add, Clip, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow, ReLU,
                          Sigmoid, Sqrt, Sub, Tanh, Where, maximum, minimum, where)
from .reduce import LogSoftmax, Max, Mean, Min, Softmax, Sum
from .shape import (Concatenate, Index, MatMul, Reshape, Stack, Transpose, concatenate,
                    stack)

__all__ = [
    "Abs", "Add", "Clip", "Concatenate", "Div", "Exp", "Index", "Log", "LogSoftmax", "MatMul",
    "Max", "Maximum", "Mean", "Min", "Minimum", "Mul", "Neg", "Pow", "ReLU", "Reshape",
    "Sigmoid", "Softmax", "Sqrt", "Stack", "Sub", "Sum", "Tanh", "Transpose", "Where",
    "concatenate", "maximum", "minimum", "stack", "where",
]
