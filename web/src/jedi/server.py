"""The editor's completion, signature help and docs, from jedi, in the completion worker's own
Pyodide (never the one that runs code). Each function takes the editor's code and a position
(1-based line, 0-based column) and returns JSON for web/src/jedi/protocol.ts."""

import json
import re

import jedi

_ENVIRONMENT = jedi.InterpreterEnvironment()  # NOTE: Pyodide has no subprocess for jedi's default
_PATH = "/home/pyodide/editor.py"
# Past this many names (`np.` has ~600), parameters are left out of the list: inferring each
# one's signature would take seconds. The selected item's docs still show them.
PARAMS_UP_TO = 60
MAX_DOCSTRING = 6000

_last = {}  # the names of the last completion, by name: `describe` looks them up


def _script(code):
    return jedi.Script(code, path=_PATH, environment=_ENVIRONMENT)


def _params(signature):
    """"(shape, dtype=…, *, like=…)": names only; annotations and defaults make a list too wide."""
    out, keyword_only = [], False
    for param in signature.params:
        text = param.to_string()
        kind = param.kind.name
        if kind == "VAR_POSITIONAL":
            keyword_only = True
            out.append("*" + param.name)
        elif kind == "VAR_KEYWORD":
            out.append("**" + param.name)
        else:
            if kind == "KEYWORD_ONLY" and not keyword_only:
                keyword_only = True
                out.append("*")
            out.append(param.name + ("=…" if "=" in text else ""))
    return "(" + ", ".join(out) + ")"


def _typed_prefix(completion):
    name = completion.name
    return name[: len(name) - len(completion.complete)] if completion.complete is not None else ""


def _kind(completion):
    """jedi's kind, except that a property with a setter is one: jedi reads the setter's `def`
    as a function, so the decorator above it decides."""
    if completion.type != "function":
        return completion.type
    try:
        above = "".join(d.get_line_code(before=1) for d in completion.goto())
    except Exception:  # noqa: BLE001 - jedi may fail on odd code; the plain kind will do
        return completion.type
    decorated = re.search(r"@(property|\w+\.(setter|getter|deleter))\b", above)
    return "property" if decorated else "function"


def complete(code, line, column):
    completions = _script(code).complete(line, column)
    # Private names only once the user typed an underscore.
    shown = [c for c in completions
             if not c.name.startswith("_") or _typed_prefix(c).startswith("_")]
    _last.clear()
    _last.update((c.name, c) for c in shown)
    with_params = len(shown) <= PARAMS_UP_TO
    items = []
    for c in shown:
        kind, params = c.type, None
        if with_params and kind in ("function", "class"):
            kind = _kind(c)
            signatures = c.get_signatures() if kind != "property" else []
            params = _params(signatures[0]) if signatures else None
        items.append({"name": c.name, "kind": kind, "params": params})
    return json.dumps(items)


def _unique(texts, limit):
    return list(dict.fromkeys(texts))[:limit]


def _doc(name):
    """A name's signatures (overloads once each) and docstring, without the signature lines
    jedi puts first."""
    signatures = _unique((s.to_string() for s in name.get_signatures()), 3)
    docstring = name.docstring(raw=True) if signatures else name.docstring()
    if len(docstring) > MAX_DOCSTRING:
        docstring = docstring[:MAX_DOCSTRING].rstrip() + "\n…"
    return {"name": name.name, "kind": name.type, "signatures": signatures,
            "docstring": docstring}


def _summary(name, docstring):
    """The docstring's first paragraph that is not a signature line (numpy starts with one)."""
    for paragraph in docstring.strip().split("\n\n"):
        if paragraph.strip() and not paragraph.lstrip().startswith(name + "("):
            return paragraph.strip()[:500]
    return ""


def describe(name):
    completion = _last.get(name)
    return json.dumps(_doc(completion) if completion is not None else None)


def signatures(code, line, column):
    out, seen = [], set()
    for signature in _script(code).get_signatures(line, column):
        params = [p.to_string() for p in signature.params]
        if (signature.name, *params) in seen:
            continue  # numpy's stubs repeat an overload per dtype
        seen.add((signature.name, *params))
        out.append({"name": signature.name, "params": params, "index": signature.index,
                    "summary": _summary(signature.name, signature.docstring(raw=True))})
    return json.dumps(out[:3])


def help(code, line, column):  # noqa: A001 - jedi's name for it
    docs = [_doc(name) for name in _script(code).help(line, column)]
    return json.dumps([d for d in docs if d["docstring"] or d["signatures"]][:2])
