"""Rich output for playground snippets: live line plots, scatter plots, decision boundaries, the
computation graph, gradient-check tables and readable arrays.

In the page, the worker's driver installs a sender and each call becomes a `display` message the
page draws: a figure id, a kind, and that kind's payload as strict JSON (typed, and checked by
the page, in web/src/messages.ts). Anywhere else (plain CPython) the same calls print a short text
summary, so snippets run in both. It never imports `js` or `pyodide`; it imports `ad` only to
summarise an array (the engine's `ad.graph.array_stats`).
"""
import atexit
import json
import math
import os
import sys
import time

import numpy as np

__all__ = ["plot", "scatter", "decision_boundary", "show_graph", "show_backward", "show",
           "LinePlot"]

# Live figures send at most one update per figure every THROTTLE_S; the last one always goes out.
THROTTLE_S = 0.1
# Past this many figures in one run, further figures are printed as text only.
MAX_FIGURES = 100
# Points kept per line series; older points are thinned (every other one) beyond it.
MAX_POINTS = 5000

_send = None  # set by the page's driver: send(kind, figure_id, json_data, text)
_count = 0
_live = []  # live figures with an update not sent yet


def _install(send):
    """Called by the page's driver before each run (None after it): where displays go."""
    global _send, _count
    _send = send
    _count = 0
    _live.clear()


def _finish():
    """Called by the page's driver after each run: send every live figure's last state."""
    for fig in list(_live):
        fig._flush()
    _live.clear()


def _new_id():
    global _count
    _count += 1
    return f"f{_count}"


def _clean(v):
    """A float for JSON: NaN and inf become None (JSON has neither)."""
    v = float(v)
    return v if math.isfinite(v) else None


def _floats(a):
    return [_clean(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def _label(v):
    """A title or axis label as the page reads it: text, or None."""
    return None if v is None else str(v)


def _emit(kind, figure_id, data, text):
    """Send one display, or print its text when there is no page (or too many figures).
    `data` is the payload web/src/messages.ts types for `kind` (FigureData)."""
    if _send is None or _count > MAX_FIGURES:
        print(text)
        return False
    _send(kind, figure_id, json.dumps(data, allow_nan=False), text)
    return True


def _data(x):
    """numpy data of an array, a Tensor (its .data), or a list."""
    if hasattr(x, "data") and not isinstance(x, (np.ndarray, np.generic, memoryview)):
        x = x.data
    return np.asarray(x)


# ---- line plots ----

class LinePlot:
    """A line plot that can grow: `curve = plot(title="loss")`, then `curve.append(v)` in a loop.

    The page redraws it live (throttled); in plain CPython its summary prints at exit, or on
    `print(curve)`. `save("loss.csv")` writes the points."""

    def __init__(self, ys=None, x=None, title=None, xlabel="step", ylabel=None, label=None):
        self.id = _new_id()
        self.title, self.xlabel = _label(title), _label(xlabel)
        self.ylabel = _label(ylabel or title or "value")
        self.label = _label(label or self.ylabel)
        self.xs, self.ys = [], []
        self._sent_at = 0.0
        self._dirty = False
        self._announced = False
        self._page = _send is not None and _count <= MAX_FIGURES
        if ys is not None:
            self.extend(ys, x)
        if self._page:
            self._flush()
        else:
            _unprinted.append(self)

    def append(self, y, x=None):
        """Add one point (x defaults to the next step: 0, 1, 2, ...)."""
        y = float(_data(y).reshape(-1)[0]) if not isinstance(y, (int, float)) else float(y)
        self.xs.append(float(x) if x is not None else (self.xs[-1] + 1 if self.xs else 0.0))
        self.ys.append(y)
        if len(self.ys) > MAX_POINTS:
            # NOTE: thin the older half so a long run stays cheap to send and draw
            half = len(self.ys) // 2
            self.xs = self.xs[:half:2] + self.xs[half:]
            self.ys = self.ys[:half:2] + self.ys[half:]
        self._changed()
        return self

    def extend(self, ys, x=None):
        ys = _data(ys).astype(np.float64).ravel()
        xs = _data(x).astype(np.float64).ravel() if x is not None else None
        for i, y in enumerate(ys):
            self.append(y, None if xs is None else xs[i])
        return self

    def _changed(self):
        if not self._page:
            return
        self._dirty = True
        if time.monotonic() - self._sent_at >= THROTTLE_S:
            self._flush()
        elif self not in _live:
            _live.append(self)

    def _flush(self):
        self._dirty = False
        self._sent_at = time.monotonic()
        if _send is not None:
            _send("plot", self.id, json.dumps(self._payload(), allow_nan=False), self.summary())

    def _payload(self):
        series = {"name": self.label, "x": _floats(self.xs), "y": _floats(self.ys)}
        return {"title": self.title, "xlabel": self.xlabel, "ylabel": self.ylabel,
                "series": [series]}

    def summary(self):
        name = self.title or self.ylabel
        if not self.ys:
            return f"[plot {name}: no points]"
        finite = [v for v in self.ys if math.isfinite(v)]
        low = f", min {min(finite):.4g}" if finite else ""
        return (f"[plot {name}: {len(self.ys)} points, first {self.ys[0]:.4g}, "
                f"last {self.ys[-1]:.4g}{low}]")

    def save(self, path):
        """Write the points as CSV (x,y), or the display's data as JSON."""
        with open(path, "w") as f:
            if str(path).endswith(".json"):
                json.dump(self._payload(), f)
            else:
                f.write(f"{self.xlabel},{self.ylabel}\n")
                f.writelines(f"{x:g},{y:g}\n" for x, y in zip(self.xs, self.ys))
        return path

    def __len__(self):
        return len(self.ys)

    def __str__(self):
        if self in _unprinted:
            _unprinted.remove(self)
        return self.summary()

    __repr__ = summary


_unprinted = []  # plots made without a page: their summaries print at exit


@atexit.register
def _print_summaries():
    for fig in _unprinted:
        if fig.ys:
            print(fig.summary())
    _unprinted.clear()


def plot(ys=None, x=None, title=None, xlabel="step", ylabel=None, label=None):
    """A line plot of `ys` (against `x`, or 0, 1, 2...); returns it so a loop can `.append`."""
    return LinePlot(ys, x, title=title, xlabel=xlabel, ylabel=ylabel, label=label)


# ---- scatter plots and decision boundaries ----

def _points(X, y):
    X = _data(X).astype(np.float64)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"expected points of shape (N, 2), got {X.shape}")
    labels = None
    if y is not None:
        labels = _data(y).ravel()
        if labels.shape[0] != X.shape[0]:
            raise ValueError(f"{X.shape[0]} points but {labels.shape[0]} labels")
        if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        labels = [str(v) for v in labels.tolist()]
    return {"x": _floats(X[:, 0]), "y": _floats(X[:, 1]), "label": labels}


def _class_text(points):
    if points["label"] is None:
        return ""
    counts = {}
    for v in points["label"]:
        counts[v] = counts.get(v, 0) + 1
    return ", classes " + ", ".join(f"{k}: {n}" for k, n in sorted(counts.items()))


def scatter(X, y=None, title=None, xlabel="x1", ylabel="x2"):
    """Points of shape (N, 2), coloured by class label `y` (optional)."""
    pts = _points(X, y)
    text = f"[scatter{' ' + str(title) if title else ''}: {len(pts['x'])} points{_class_text(pts)}]"
    _emit("scatter", _new_id(), {"title": _label(title), "xlabel": _label(xlabel),
                                 "ylabel": _label(ylabel), "points": pts}, text)


def decision_boundary(predict, X, y=None, resolution=80, title=None,
                      xlabel="x1", ylabel="x2", threshold=None):
    """A heat map of `predict` over the plane around the points X (N, 2), with the points on top.

    `predict` takes an (M, 2) numpy array and returns M scores (array or Tensor; (M,), (M, 1),
    or (M, K) class scores, whose argmax is shown). The boundary is drawn where the score
    crosses `threshold` (default 0.5 for scores in [0, 1], else 0: logits)."""
    pts = _points(X, y)
    X = _data(X).astype(np.float64)
    lo, hi = X[:, :2].min(axis=0), X[:, :2].max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    n = int(resolution)
    gx = np.linspace(lo[0], hi[0], n)
    gy = np.linspace(hi[1], lo[1], n)  # top row first, as an image
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # (n*n, 2)
    out = _data(predict(grid)).astype(np.float64)
    if out.ndim == 2 and out.shape[1] > 1:
        values = out.argmax(axis=1).astype(np.float64)
        threshold = None
    else:
        values = out.reshape(-1)
        if values.shape[0] != grid.shape[0]:
            raise ValueError(f"predict returned {out.shape} for {grid.shape[0]} points")
        if threshold is None:
            finite = values[np.isfinite(values)]
            threshold = 0.5 if finite.size and finite.min() >= 0 and finite.max() <= 1 else 0.0
    above = float(np.mean(values > threshold)) if threshold is not None else None
    text = (f"[decision boundary{' ' + str(title) if title else ''}: {n}x{n} grid"
            f" over x in [{lo[0]:.3g}, {hi[0]:.3g}], y in [{lo[1]:.3g}, {hi[1]:.3g}]"
            + (f", {above:.0%} of the plane above {threshold:g}" if above is not None else "")
            + f"; {len(pts['x'])} points{_class_text(pts)}]")
    grid = {"x1": float(lo[0]), "x2": float(hi[0]), "y1": float(hi[1]), "y2": float(lo[1]),
            "width": n, "height": n, "values": _floats(values)}
    _emit("boundary", _new_id(), {"title": _label(title), "xlabel": _label(xlabel),
                                  "ylabel": _label(ylabel), "grid": grid,
                                  "threshold": None if threshold is None else float(threshold),
                                  "points": pts}, text)


# ---- the computation graph, and its backward pass step by step ----

# The file name the page's driver (web/src/worker/driver.py) compiles the editor's code under: a
# Function defined there can link to its backward in the editor.
EDITOR_FILE = "<editor>"
# Nodes whose full arrays (beyond the 8 values a node shows) go with the figure, for its details.
MAX_DETAILS = 300


def show_graph(result, title=None):
    """Draw the computation graph behind `result`, with every node's value and gradient (one
    backward's, replayed: intermediates included, no .grad changed), and controls to step through
    the backward pass. Takes a Tensor, or what `ad.graph` returned (drawn as it is)."""
    if isinstance(result, dict):
        return _show_export(result, title)
    return _show_steps(result, title, "end", sys._getframe(1))["graph"]


def show_backward(result, title=None):
    """Like show_graph, but opened at the start of the backward pass, to step through it (the
    buttons, the slider or the arrow keys). Returns the `ad.replay` it shows (None if `result`
    needs no gradient)."""
    return _show_steps(result, title, "start", sys._getframe(1))["replay"]


def _graph_text(g, title):
    ops = {}
    for node in g["nodes"]:
        ops[node["op"]] = ops.get(node["op"], 0) + 1
    return (f"[graph{' ' + str(title) if title else ''}: {len(g['nodes'])} nodes, "
            f"{len(g['edges'])} edges; "
            + ", ".join(f"{op} x{k}" for op, k in sorted(ops.items())) + "]")


def _show_export(g, title):
    if "nodes" not in g or "edges" not in g:
        raise TypeError("show_graph() takes a Tensor or ad.graph(...) data; this dict has no "
                        "'nodes' and 'edges'")
    _emit("graph", _new_id(), {"title": _label(title), "graph": g}, _graph_text(g, title))
    return g


def _variable_names(frame, tensor_type, skip):
    """id(tensor) -> the name a variable of the user's code binds it to: the innermost frame
    first, its locals before its globals; names starting with _ are left out."""
    names = {}
    while frame is not None:
        file = frame.f_code.co_filename
        if file != __file__ and not file.startswith(skip):
            scopes = [frame.f_locals]
            if frame.f_globals is not frame.f_locals:
                scopes.append(frame.f_globals)
            for scope in scopes:
                for name, value in list(scope.items()):
                    if isinstance(value, tensor_type) and not name.startswith("_"):
                        names.setdefault(id(value), name)
        frame = frame.f_back
    return names


def _editor_line(fn, function_type):
    """The editor line of the method that computes a user Function's gradient, or None."""
    cls = type(fn)
    method = cls.backward if cls.vjp is function_type.vjp else cls.vjp
    code = getattr(method, "__code__", None)
    if code is None or code.co_filename != EDITOR_FILE:
        return None
    return code.co_firstlineno


def _show_steps(result, title, start, frame):
    try:
        import ad  # only here: the module imports nothing of the engine until given its objects
        from ad.core import _walk  # ad.graph's and ad.replay's walk: the same ids
    except ImportError:
        ad = None
    if ad is None or not isinstance(result, ad.Tensor):
        raise TypeError("show_graph() and show_backward() take a Tensor (or, show_graph, "
                        f"ad.graph(...) data), got {type(result).__name__}")
    r, error = None, None
    if result.requires_grad:
        try:
            r = ad.replay(result)
        except ad.BackwardError as e:
            error = f"{type(e).__name__}: {e}"
    nodes = r.nodes if r is not None else _walk(result)
    ids = {id(t): f"n{i}" for i, t in enumerate(nodes)}
    names = _variable_names(frame, ad.Tensor, os.path.dirname(ad.__file__) + os.sep)
    memo = {}

    def brief(a):  # each array written once, for the figure and its text alike
        if a is None:
            return None
        known = memo.get(id(a))
        if known is None:
            known = memo[id(a)] = (_brief(a), a)  # the array kept: its id stays its own
        return known[0]

    g = {"nodes": [], "edges": [], "output": ids[id(result)]}
    labels = {}
    details = 0
    for i, t in enumerate(nodes):
        node_id = f"n{i}"
        fn, leaf = t._fn, t._fn is None
        op = ("leaf" if t.requires_grad else "constant") if leaf else type(fn).__name__
        label = t.name or names.get(id(t))
        if label:
            labels[node_id] = label
        grad = r.grads[node_id] if r is not None else None
        node = {"id": node_id, "op": op, "label": label or op, "name": t.name,
                "shape": list(t.data.shape), "dtype": str(t.data.dtype),
                "value": brief(t.data), "grad": brief(grad), "is_leaf": leaf,
                "requires_grad": bool(t.requires_grad), "is_output": t is result,
                "backward_line": None if leaf else _editor_line(fn, ad.Function),
                "details": None}
        if (t.data.size > 8 or (grad is not None and grad.size > 8)) and details < MAX_DETAILS:
            details += 1  # what the node's 8 values leave out; the rest have all in `value`
            node["details"] = {"value": dict(_array_payload(t.data), name="value"),
                               "grad": None if grad is None
                               else dict(_array_payload(grad), name="grad")}
        g["nodes"].append(node)
        for k, inp in enumerate(t._inputs):
            g["edges"].append({"source": ids[id(inp)], "target": node_id, "index": k})
    data = {
        "title": _label(title), "start": start, "graph": g,
        "of": labels.get(g["output"]) or "L", "error": error,
        "seed": None if r is None else brief(r.seed),
        "forward": [f"n{i}" for i, t in enumerate(nodes) if t._inputs],
        "steps": [] if r is None else [
            {"node": s.node, "grad": brief(s.grad),
             "sends": [{"input": x.input, "index": x.index, "grad": brief(x.grad),
                        "total": brief(x.total)} for x in s.sends]}
            for s in r.steps],
    }
    lines = [_graph_text(g, title)]
    if r is not None:
        lines.append(r.format(labels, lambda a: brief(a)["text"]))
    elif error is not None:
        lines.append(f"backward failed, so no gradients are shown: {error}")
    else:
        lines.append("no gradient: the result was computed from constants only or under "
                     "no_grad()")
    _emit("stepper", _new_id(), data, "\n".join(lines))
    return {"graph": g, "replay": r}


def _brief(a):
    """An array as a graph node shows it: ad.graph's text (up to 8 values, rounded, else a
    range), NaN and inf counted."""
    from ad.graph import _text

    a = np.asarray(a)
    if a.dtype.kind == "f" and 0 < a.size <= 8 and float(np.abs(a).max()) < 1e15:
        # NOTE: _text's own path for small finite floats, without its checks: it is the bulk of
        # a big graph's figure (~20 us an array; thousands of arrays).
        return {"text": str(a.round(4).tolist())}
    out = {"text": _text(a)}
    if a.dtype.kind in "fc" and a.size and not np.isfinite(a).all():
        out["nan"] = int(np.isnan(a).sum())
        out["inf"] = int(np.isinf(a).sum())
    return out


# ---- tables: gradient-check reports and arrays ----

def _show_gradcheck(report, title):
    d = report.to_dict()
    text = str(report)
    _emit("gradcheck", _new_id(), {"title": _label(title), "report": d}, text)


def _array_payload(a):
    from ad.graph import array_stats  # the engine's one summary of NaN, inf, min, max, mean

    a = np.asarray(a)
    text = np.array2string(a, precision=4, threshold=400, edgeitems=4, max_line_width=100)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "size": int(a.size), "text": text,
            "nan": 0, "inf": 0, **array_stats(a)}


def _array_header(name, info):
    bad = "".join(f", {info[k]} {k.replace('nan', 'NaN')}" for k in ("nan", "inf") if info[k])
    return f"{name} shape {tuple(info['shape'])} {info['dtype']}{bad}"


def show(obj, title=None):
    """Show a gradcheck report as a table, an array or Tensor with its shape and dtype (NaN and
    inf highlighted), a LinePlot, or anything else as its text."""
    if hasattr(obj, "to_dict") and hasattr(obj, "rows") and hasattr(obj, "passed"):
        return _show_gradcheck(obj, title)
    if isinstance(obj, LinePlot):
        if _send is None:
            print(obj.summary())
        else:
            obj._flush()
        return None
    is_tensor = (hasattr(obj, "data") and hasattr(obj, "backward")
                 and not isinstance(obj, np.ndarray))
    if is_tensor or isinstance(obj, (np.ndarray, np.generic)):
        parts = [("value", _array_payload(_data(obj)))]
        grad = getattr(obj, "grad", None) if is_tensor else None
        if grad is not None:
            parts.append(("grad", _array_payload(grad)))
        label = _label(title) or ("tensor" if is_tensor else "array")
        text = "\n".join(_array_header(label if n == "value" else "grad", p) + "\n" + p["text"]
                         for n, p in parts)
        _emit("array", _new_id(), {"title": label,
                                   "parts": [dict(p, name=n) for n, p in parts]}, text)
        return None
    print(obj, file=sys.stdout)
    return None
