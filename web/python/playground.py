"""Rich output for playground snippets: live line plots, scatter plots, decision boundaries, the
computation graph, gradient-check tables and readable arrays.

In the page, the worker's driver installs a sender and each call becomes a `display` message the
page draws: a figure id, a kind, and that kind's payload as strict JSON (typed, and checked by
the page, in web/src/figures/payload.ts). Anywhere else (plain CPython) the same calls print a
short text summary, so snippets run in both. It never imports `js` or `pyodide`; it imports `ad`
only when given its objects (a graph, an array's summary).

On import it starts remembering the names tensors had where the user's functions made them
(`_BirthNames`), so a graph can call an intermediate `e` rather than `Mul`.
"""
import atexit
import json
import math
import os
import sys
import time
import weakref

import numpy as np

__all__ = ["plot", "scatter", "decision_boundary", "show_graph", "show_backward", "show",
           "LinePlot"]

# The page's own modules (web/python/), fetched by the worker's driver: not the user's code.
_PAGE_MODULES = ("playground", "_playground_matplotlib", "lessoncheck", "coursedata")

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
    `data` is the payload web/src/figures/payload.ts types for `kind` (FigureData)."""
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
    return _show_steps(result, title, "end", False, sys._getframe(1))["graph"]


def show_backward(result, title=None, predict=False):
    """Like show_graph, but opened at the start of the backward pass, to step through it (the
    buttons, the slider or the arrow keys). With `predict=True` the figure asks, before each
    step, for the gradient that step reveals (the page checks it; the figure's Predict toggle
    does the same). Returns the `ad.replay` it shows (None if `result` needs no gradient)."""
    return _show_steps(result, title, "start", bool(predict), sys._getframe(1))["replay"]


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


# -- what a node is called: its name=, a variable of the caller, or where it was made --

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


class _BirthNames:
    """The name each Tensor had where it was made: when a function of the user's code returns a
    Tensor (or a tuple or list holding one), the Tensors its own local variables hold (not its
    parameters: those were made elsewhere) are remembered by name, weakly. So `e = a * b` inside
    `def forward(...)` is drawn as `e` after forward returned, where no live variable names it.
    The innermost function's name wins; `name=` and a live variable win over it.

    Watches returns with sys.monitoring (Python 3.12+: the page's Pyodide and the tooling venv;
    older Pythons get live variables only), from the import of this module on. Code of the
    engine, the standard library, installed packages and the page's own modules is ignored:
    each of its return sites costs one call, then is disabled. A user function's return costs
    a type check (~0.4 us in CPython), and a look at its locals (~4 us) when it returns a
    Tensor; a return site is disabled after RETURNS_SEEN returns (a loop's body: what its first
    calls made is long gone), or after QUIET returns that never gave a Tensor (a helper)."""

    TOOL_IDS = (4, 3)  # free by convention: 0 debugger, 1 coverage, 2 profiler, 5 optimizer
    NAME = "playground names"
    RETURNS_SEEN = 2000
    QUIET = 100

    def __init__(self):
        self._names = {}  # id(tensor) -> (weak reference to it, name)
        self._user_code = {}  # code -> whether it is the user's
        self._library = None  # path prefixes that are not user code
        self._returns = {}  # (code, offset) -> [returns seen, of which gave a Tensor]

    def install(self):
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is None:
            return False
        for tool in self.TOOL_IDS:
            owner = monitoring.get_tool(tool)
            if owner == self.NAME:  # this module imported again: take over its tool
                monitoring.free_tool_id(tool)
                owner = None
            if owner is None:
                monitoring.use_tool_id(tool, self.NAME)
                monitoring.register_callback(tool, monitoring.events.PY_RETURN, self._returned)
                monitoring.set_events(tool, monitoring.events.PY_RETURN)
                return True
        return False

    def name(self, t):
        """The name `t` had where it was made, or None."""
        known = self._names.get(id(t))
        return known[1] if known is not None and known[0]() is t else None

    def _is_user_code(self, code, scope):
        """Whether `code` (its module's globals `scope`) is the user's: not the engine's, nor
        the standard library's, an installed package's or the page's own modules'."""
        module = scope.get("__name__") or ""
        if module == "ad" or module.startswith("ad.") or module in _PAGE_MODULES:
            return False
        # NOTE: the module's __file__, not co_filename: the site's wheels are compiled ahead
        # (pyodide py-compile), so their code keeps the paths of the machine that built them.
        file = scope.get("__file__") or code.co_filename
        if file == EDITOR_FILE:
            return True
        if file.startswith("<"):  # frozen modules, exec'd strings
            return False
        if self._library is None:
            import sysconfig

            paths = sysconfig.get_paths()
            dirs = {os.path.dirname(__file__), os.path.dirname(os.__file__),
                    *(paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib"))}
            self._library = tuple(os.path.join(d, "") for d in dirs if d)
        return not file.startswith(self._library)

    def _returned(self, code, offset, value):
        monitoring = sys.monitoring
        try:
            frame = sys._getframe(1)  # the function returning
            user = self._user_code.get(code)
            if user is None:
                user = self._user_code[code] = self._is_user_code(code, frame.f_globals)
            if not user:
                return monitoring.DISABLE
            ad = sys.modules.get("ad")
            tensor = getattr(ad, "Tensor", None)
            if tensor is None:
                return None
            seen = self._returns.setdefault((code, offset), [0, 0])
            seen[0] += 1
            if seen[0] > self.RETURNS_SEEN:
                return monitoring.DISABLE
            if not (isinstance(value, tensor) or (type(value) in (tuple, list) and any(
                    isinstance(v, tensor) for v in value[:16]))):
                return monitoring.DISABLE if seen[0] >= self.QUIET and not seen[1] else None
            seen[1] += 1
            flags = code.co_flags
            given = code.co_argcount + code.co_kwonlyargcount + bool(flags & 0x04) \
                + bool(flags & 0x08)  # CO_VARARGS, CO_VARKEYWORDS
            params = code.co_varnames[:given]
            for name, v in frame.f_locals.items():
                if isinstance(v, tensor) and not name.startswith("_") and name not in params:
                    self._remember(v, name)
        except Exception:  # noqa: BLE001 - never break the user's code for a label
            return None
        return None

    def _remember(self, t, name):
        key = id(t)
        known = self._names.get(key)
        if known is not None and known[0]() is t:
            return  # an inner function named it first, where it was made

        def forget(ref, key=key):
            if self._names.get(key, (None,))[0] is ref:
                del self._names[key]

        self._names[key] = (weakref.ref(t, forget), name)


_births = _BirthNames()
_births.install()


def _editor_line(fn, function_type):
    """The editor line of the method that computes a user Function's gradient, or None."""
    cls = type(fn)
    method = cls.backward if cls.vjp is function_type.vjp else cls.vjp
    code = getattr(method, "__code__", None)
    if code is None or code.co_filename != EDITOR_FILE:
        return None
    return code.co_firstlineno


def _graph_tensors(result, replay):
    """The tensors of `ad.graph(result)`, in its order (the i-th is node f"n{i}"), each with the
    Function that made it (None for a leaf).

    NOTE: the one place this module reads an engine private part, `._fn` (the engine has no
    public name for the Function behind a tensor). A replay already holds the tensors
    (`Replay.nodes`); without one (no gradient flows) the walk is the engine's `ad.walk`."""
    import ad

    tensors = replay.nodes if replay is not None else ad.walk(result)
    return [(t, t._fn) for t in tensors]


def _show_steps(result, title, start, predict, frame):
    try:
        import ad  # only here: the module imports nothing of the engine until given its objects
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
    g = ad.graph(result)  # ids, ops, shapes, edges: the engine's own export
    tensors = _graph_tensors(result, r)
    live = _variable_names(frame, ad.Tensor, os.path.dirname(ad.__file__) + os.sep)
    memo = {}

    def brief(a):  # each array written once, for the figure and its text alike
        if a is None:
            return None
        known = memo.get(id(a))
        if known is None:
            known = memo[id(a)] = (_brief(a), a)  # the array kept: its id stays its own
        return known[0]

    labels, details = {}, 0
    for node, (t, fn) in zip(g["nodes"], tensors):
        label = t.name or live.get(id(t)) or _births.name(t)
        if label:
            labels[node["id"]] = label
        grad = r.grads[node["id"]] if r is not None else None
        node.update(label=label or node["op"], value=brief(t.data), grad=brief(grad),
                    backward_line=None if fn is None else _editor_line(fn, ad.Function),
                    details=None)
        if (t.data.size > 8 or (grad is not None and grad.size > 8)) and details < MAX_DETAILS:
            details += 1  # what the node's 8 values leave out; the rest have all in `value`
            node["details"] = {"value": dict(_array_payload(t.data), name="value"),
                               "grad": None if grad is None
                               else dict(_array_payload(grad), name="grad")}
    data = {
        "title": _label(title), "start": start, "predict": predict, "graph": g,
        "of": labels.get(g["output"]) or "L", "error": error,
        "seed": None if r is None else brief(r.seed),
        "forward": [n["id"] for n in g["nodes"] if not n["is_leaf"]],
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


def _text(a):
    """An array as ad.graph's export writes one: up to 8 values, rounded to 4 decimals, else
    their count and range."""
    if a.size <= 8:
        if a.dtype.kind == "f":
            # NOTE: round() overflows near the float max; such numbers have no decimals anyway.
            with np.errstate(over="ignore", invalid="ignore"):
                a = np.where(np.abs(a) < 1e15, a.round(4), a)
        return str(a.tolist()).replace("nan", "NaN")
    if a.dtype.kind in "biuf":
        return f"{a.size} values in [{a.min():.4g}, {a.max():.4g}]"
    return f"{a.size} values"


def _brief(a):
    """An array as a graph node shows it (_text), NaN and inf counted."""
    a = np.asarray(a)
    if a.dtype.kind == "f" and 0 < a.size <= 8 and float(np.abs(a).max()) < 1e15:
        # NOTE: the common case first, without the checks: it is the bulk of a big graph's
        # figure (thousands of arrays).
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
        # NOTE: grad_view(), not .grad: reading .grad of a tensor without one stores zeros.
        view = getattr(obj, "grad_view", None) if is_tensor else None
        grad = view() if callable(view) else None
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
