"""Graph export: the computation behind a result as plain JSON-able data, or Graphviz DOT.

Node ids are stable: n0, n1, ... in topological order (inputs before the ops that use them).
"""
import numpy as np

from .core import Tensor, walk

__all__ = ["array_stats", "array_text", "graph", "to_dot"]


def array_stats(a):
    """NaN and inf counts of a real array, and the min, max and mean of its finite values, as
    plain JSON-able numbers: {} for an empty or non-real array; no min, max or mean when
    nothing is finite."""
    a = np.asarray(a)
    if not a.size or a.dtype.kind not in "biuf":
        return {}
    f = a.astype(np.float64).ravel()
    finite = np.isfinite(f)
    nan = int(np.isnan(f).sum())
    stats = {"nan": nan, "inf": int(f.size - finite.sum()) - nan}
    if nan or stats["inf"]:
        f = f[finite]
    if f.size:
        # NOTE: the mean of huge finite values can overflow; scale first, so the stats stay
        # finite (and an export strict JSON) whenever the data is.
        scale = float(np.abs(f).max()) or 1.0
        stats.update(min=float(f.min()), max=float(f.max()), mean=float((f / scale).mean() * scale))
    return stats


def _summary(a):
    """A short, JSON-able description of an array; NaN and inf are counted, not hidden."""
    if a is None:
        return None
    a = np.asarray(a)
    return {"text": array_text(a), **array_stats(a)}


def array_text(a, limit=8):
    """An array as a graph node shows it: its values rounded to 4 decimals when it has at most
    `limit` of them, NaN written out, else its size and range ("100 values in [-1, 3]")."""
    a = np.asarray(a)
    # NOTE: np.array2string costs ~100 us a call; graphs can have thousands of nodes.
    if a.size <= limit:
        # NOTE: round() overflows near the float max; numbers that large have no decimals to round.
        with np.errstate(over="ignore", invalid="ignore"):
            v = np.where(np.abs(a) < 1e15, a.round(4), a) if a.dtype.kind == "f" else a
        return str(v.tolist()).replace("nan", "NaN")
    if a.dtype.kind in "biuf":
        return f"{a.size} values in [{a.min():.4g}, {a.max():.4g}]"
    return f"{a.size} values"


_text = array_text  # NOTE: the name the playground's module imported before it was public


def graph(output):
    """{"nodes": [...], "edges": [...], "output": id} describing how `output` was computed.

    A node: id, op (the Function's class name, or "leaf"/"constant"), label, shape, dtype,
    value and grad summaries, is_leaf, requires_grad, is_output. An edge: source, target,
    index (the input position)."""
    if not isinstance(output, Tensor):
        raise TypeError(f"graph() takes a Tensor, got {type(output).__name__}")
    order = walk(output)
    ids = {id(t): f"n{i}" for i, t in enumerate(order)}
    nodes, edges = [], []
    for t in order:
        leaf = t._fn is None
        op = ("leaf" if t.requires_grad else "constant") if leaf else type(t._fn).__name__
        name = getattr(t, "name", None)
        nodes.append({
            "id": ids[id(t)], "op": op, "label": name or op,
            "name": name, "shape": list(t.data.shape), "dtype": str(t.data.dtype),
            "value": _summary(t.data), "grad": _summary(t.grad_view()),
            "is_leaf": leaf, "requires_grad": bool(t.requires_grad),
            "is_output": t is output,
        })
        for k, inp in enumerate(t._inputs):
            edges.append({"source": ids[id(inp)], "target": ids[id(t)], "index": k})
    return {"nodes": nodes, "edges": edges, "output": ids[id(output)]}


def _quote(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(output):
    """The graph of `output` as a Graphviz DOT string (leaves as boxes, the output doubled)."""
    g = graph(output) if isinstance(output, Tensor) else output
    lines = ["digraph ad {", "  rankdir=LR;", "  node [fontname=monospace];"]
    for n in g["nodes"]:
        shape = "box" if n["is_leaf"] else ("doubleoctagon" if n["is_output"] else "ellipse")
        label = f"{n['label']}\n{tuple(n['shape'])} {n['dtype']}"
        lines.append(f"  {n['id']} [label={_quote(label)}, shape={shape}];")
    for e in g["edges"]:
        lines.append(f"  {e['source']} -> {e['target']} [label={_quote(e['index'])}];")
    lines.append("}")
    return "\n".join(lines)


Tensor.graph = graph
Tensor.to_dot = to_dot
