"""gradcheck: compare each input's analytic gradient with float64 central differences.

It reports rather than raises, so a learner (or the playground) can show where a backward
goes wrong.
"""
import inspect

import numpy as np

from .core import Tensor, no_grad, tensor

__all__ = ["gradcheck", "GradcheckReport"]


class GradcheckReport:
    """The result of gradcheck: truthy when every checked input passes.

    `.rows` holds one plain dict per input (index, name, shape, max_abs_err, max_rel_err,
    passed, checked); `.to_dict()` is JSON-able; `str(report)` is a small table."""

    def __init__(self, rows, eps, atol, rtol, error=None):
        self.rows, self.eps, self.atol, self.rtol, self.error = rows, eps, atol, rtol, error

    @property
    def passed(self):
        # Nothing checked is no pass: every input may have been skipped (constants).
        checked = [r for r in self.rows if r["checked"]]
        return self.error is None and bool(checked) and all(r["passed"] for r in checked)

    def __bool__(self):
        return self.passed

    def to_dict(self):
        """Plain, strict-JSON data: a non-finite error becomes the string "nan" or "inf"."""
        rows = [{k: (str(v) if isinstance(v, float) and not np.isfinite(v) else v)
                 for k, v in r.items()} for r in self.rows]
        return {"passed": self.passed, "eps": self.eps, "atol": self.atol, "rtol": self.rtol,
                "error": self.error, "rows": rows}

    def __str__(self):
        lines = [f"gradcheck {'passed' if self.passed else 'FAILED'} "
                 f"(eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})"]
        if self.error:
            lines.append(f"  error: {self.error}")
        for r in self.rows:
            if not r["checked"]:
                lines.append(f"  #{r['index']} {r['name']:<8} {str(tuple(r['shape'])):<12} "
                             f"skipped ({r['note']})")
                continue
            lines.append(f"  #{r['index']} {r['name']:<8} {str(tuple(r['shape'])):<12} "
                         f"max abs err {r['max_abs_err']:.2e}  max rel err "
                         f"{r['max_rel_err']:.2e}  {'ok' if r['passed'] else 'MISMATCH'}")
        return "\n".join(lines)

    __repr__ = __str__


def _names(f, n):
    try:
        target = f.forward if hasattr(f, "forward") and not inspect.isfunction(f) else f
        params = [p.name for p in inspect.signature(target).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"input{i}" for i in range(n)]


def gradcheck(f, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check the gradients of `f(*inputs)` (any output shape) for every float input.

    The output is weighted by a fixed random array (a uniform weight hides routing bugs),
    so the check is of sum(w * f): analytic via backward(w), numeric by perturbing each
    element by +-eps in float64. An element passes when |analytic - numeric| <=
    atol + rtol * |numeric|. Integer inputs and constants are passed through, unchecked."""
    names = _names(f, len(inputs))
    leaves, rows = [], []
    for i, x in enumerate(inputs):
        data = np.asarray(x.data if isinstance(x, Tensor) else x)
        wants = data.dtype.kind in "fc" and not (isinstance(x, Tensor) and not x.requires_grad)
        leaves.append(tensor(data.astype(np.float64)) if wants else
                      Tensor(data, terminal=True, requires_grad=False))
        rows.append({"index": i, "name": names[i], "shape": list(data.shape),
                     "max_abs_err": 0.0, "max_rel_err": 0.0, "passed": True,
                     "checked": wants, "note": "" if wants else "not a float input"})
    try:
        out = f(*leaves)
        if not isinstance(out, Tensor):
            raise TypeError(f"f returned {type(out).__name__}; it must return a Tensor")
        w = np.random.default_rng(seed).uniform(0.5, 1.5, out.data.shape)
        if out.requires_grad:
            out.backward(w)
        for row, leaf in zip(rows, leaves):
            if not row["checked"]:
                continue
            analytic = leaf.grad
            numeric = np.zeros(leaf.data.shape)
            flat, nflat = leaf.data.reshape(-1), numeric.reshape(-1)
            with no_grad():
                for j in range(flat.size):
                    orig = flat[j]
                    flat[j] = orig + eps
                    up = float(np.sum(w * _value(f(*leaves))))
                    flat[j] = orig - eps
                    down = float(np.sum(w * _value(f(*leaves))))
                    flat[j] = orig
                    nflat[j] = (up - down) / (2 * eps)
            with np.errstate(invalid="ignore", divide="ignore"):
                abs_err = np.abs(analytic - numeric)
                # relative to the larger magnitude, but never to less than atol: near-zero
                # gradients would turn round-off into a 100% "relative" error
                rel_err = abs_err / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), atol)
            ok = abs_err <= atol + rtol * np.abs(numeric)  # NaN compares False: it fails
            row["max_abs_err"] = float(np.max(abs_err)) if abs_err.size else 0.0
            row["max_rel_err"] = float(np.max(rel_err)) if rel_err.size else 0.0
            row["passed"] = bool(np.all(ok))
            if np.isnan(abs_err).any():
                row["note"] = "NaN in a gradient"
    except Exception as e:  # reported, not raised: the report is what the user asked for
        return GradcheckReport(rows, eps, atol, rtol, error=f"{type(e).__name__}: {e}")
    return GradcheckReport(rows, eps, atol, rtol)


def _value(y):
    return y.data if isinstance(y, Tensor) else np.asarray(y)
