"""The kernel-side probe. Standard library only: this file's source is sent into the kernel, which may run
in an environment without nblint (and an older Python: ruff checks it as py38). `install(ip)` registers
IPython `pre_run_cell`/`post_run_cell` hooks; after each cell one display_data message with MIME type MIME
describes what the cell left behind:

* names bound from a call that hold None (`none-result`), with the line of the assignment;
* bound names or the result that are or contain NaN / inf (`nan-value`, `inf-value`);
* empty containers bound from a call, a filter or a query (`empty-data`);
* warnings raised while the cell ran (`warning`), with the text IPython printed for them;
* `exit()` / `quit()` calls, which a kernel otherwise ignores (`exit-code`);
* a summary of the cell's result (type, shape, range) for declared expectations.

numpy and pandas are inspected only if the notebook imported them; the probe never imports them itself.
Large arrays and frames are checked with vectorised calls. The functions take plain values, so tests call
them without a kernel. The payload never holds NaN or inf (`encode`): the kernel's message serialiser
rejects them and would print its failure into the user's stderr.
"""

from __future__ import annotations

import ast
import math
import sys
import warnings

MIME = "application/vnd.nblint.probe+json"
MAX_ITEMS = 100_000  # python-level scans stop here; numpy/pandas are vectorised
FLOAT = "$float"  # {"$float": "nan" | "inf" | "-inf"} stands for a non-finite number in the payload


def assignments(source: str) -> tuple[dict[str, tuple[int, str]], str | None]:
    """({name: (line, kind)} for the names a cell binds at top level, the name a last `x = ...` binds).

    `source` is plain Python (IPython's transform applied); kind is call, init (a call without
    arguments to a plain name, like a constructor), filter (a subscript) or other.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return {}, None
    bound: dict[str, tuple[int, str]] = {}
    for stmt in tree.body:
        targets, value = [], None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif (isinstance(stmt, ast.AnnAssign) and stmt.value is not None) or isinstance(stmt, ast.AugAssign):
            targets, value = [stmt.target], stmt.value
        kind = "other"
        if isinstance(value, ast.Call):
            kind = "call" if (value.args or value.keywords) or isinstance(value.func, ast.Attribute) else "init"
        elif isinstance(value, ast.Subscript):
            kind = "filter"
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    bound[node.id] = (stmt.lineno, kind if isinstance(target, (ast.Name, ast.Tuple)) else "other")
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        return bound, last.targets[0].id
    return bound, None


def qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _counted(columns, counts) -> list[str]:
    return [f"{c} ({int(n)})" for c, n in zip(columns, counts) if n][:5]


def numeric_issues(value: object) -> tuple[int, int, str] | None:
    """(NaN count, inf count, detail) for a value, or None when it holds no numbers we check."""
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(math.isnan(value)), int(math.isinf(value)), ""
    if pd is not None and isinstance(value, pd.DataFrame):
        numeric = value.select_dtypes(include="number")
        if numeric.shape[1] == 0:
            return None
        nans = numeric.isna().sum()
        infs = np.isinf(numeric.to_numpy(dtype="float64", na_value=float("nan"))).sum(axis=0)
        parts = (("NaN in ", _counted(nans.index, nans)), ("inf in ", _counted(numeric.columns, infs)))
        detail = "; ".join(prefix + ", ".join(cols) for prefix, cols in parts if cols)
        return int(nans.sum()), int(infs.sum()), detail
    if pd is not None and isinstance(value, pd.Series):
        if value.dtype.kind not in "fc":
            return None
        data = value.to_numpy(dtype="float64", na_value=float("nan"))
        return int(np.isnan(data).sum()), int(np.isinf(data).sum()), ""
    if np is not None and isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "fc":
            return None
        return int(np.isnan(value).sum()), int(np.isinf(value).sum()), ""
    if isinstance(value, (list, tuple)) and 0 < len(value) <= MAX_ITEMS:
        floats = [v for v in value if isinstance(v, float)]
        if not floats:
            return None
        return sum(math.isnan(v) for v in floats), sum(math.isinf(v) for v in floats), ""
    if isinstance(value, dict) and 0 < len(value) <= MAX_ITEMS:
        floats = [v for v in value.values() if isinstance(v, float)]
        if not floats:
            return None
        bad = [k for k, v in value.items() if isinstance(v, float) and not math.isfinite(v)][:5]
        detail = ("keys " + ", ".join(map(repr, bad))) if bad else ""
        return sum(math.isnan(v) for v in floats), sum(math.isinf(v) for v in floats), detail
    return None


def emptiness(value: object) -> bool | None:
    """Whether a container holds nothing; None for values that are not containers."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        return value.size == 0
    if isinstance(value, (list, tuple, dict, set)) or hasattr(value, "empty"):
        try:
            return len(value) == 0  # type: ignore[arg-type]
        except Exception:
            return None
    return None


def _value_range(value: object) -> tuple[float, float] | None:
    np = sys.modules.get("numpy")
    if np is None:
        return None
    if hasattr(value, "to_numpy"):
        data = value.select_dtypes(include="number").to_numpy() if hasattr(value, "select_dtypes") else value.to_numpy()
    elif isinstance(value, (np.ndarray, np.generic)):
        data = value
    else:
        return None
    if data.size and data.dtype.kind in "iuf":
        return float(np.nanmin(data)), float(np.nanmax(data))
    return None


def summary(value: object) -> dict:
    """What expectations need: type (with bases), shape, emptiness, numeric range."""
    out: dict = {"type": qualname(type(value)), "mro": [qualname(c) for c in type(value).__mro__]}
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        out["shape"] = [int(s) for s in shape]
    elif isinstance(value, (list, tuple, dict, set, str)):
        out["shape"] = [len(value)]
    empty = emptiness(value)
    if empty is not None:
        out["empty"] = bool(empty)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out["min"] = out["max"] = float(value)
    else:
        try:
            span = _value_range(value)
        except Exception:
            span = None
        if span is not None:
            out["min"], out["max"] = span
    return out


def value_findings(name: str, value: object, line: int | None, kind: str) -> list[dict]:
    """What is wrong with one name the cell bound or changed (kind: how it was bound, see `assignments`)."""
    where = {"name": name, "line": line}
    if value is None and kind == "call":
        return [{"check": "none-result", **where, "message": f"`{name}` is None after this cell (it was assigned "
                 "from a call)"}]  # fmt: skip
    found = []
    issues = numeric_issues(value)
    if issues:
        nan, inf, detail = issues
        tail = f": {detail}" if detail else ""
        if nan:
            found.append({"check": "nan-value", **where, "count": nan,
                          "message": f"`{name}` contains {nan} NaN value(s){tail}"})  # fmt: skip
        if inf:
            found.append({"check": "inf-value", **where, "count": inf,
                          "message": f"`{name}` contains {inf} infinite value(s){tail}"})  # fmt: skip
    if kind in ("call", "filter") and emptiness(value):
        found.append({"check": "empty-data", **where,
                      "message": f"`{name}` is empty ({qualname(type(value))} with no rows/items)"})  # fmt: skip
    return found


def result_findings(value: object) -> list[dict]:
    """NaN or inf in the cell's result (its last expression)."""
    issues = numeric_issues(value) if value is not None else None
    if not issues or not (issues[0] or issues[1]):
        return []
    nan, inf, _ = issues
    return [{"check": "nan-value" if nan else "inf-value", "name": None, "line": None, "count": nan or inf,
             "message": f"the cell's result contains {nan} NaN and {inf} infinite value(s)"}]  # fmt: skip


def encode(value: object) -> object:
    """`value` as JSON data without NaN or infinity: a non-finite float becomes {FLOAT: "nan"|"inf"|"-inf"};
    values JSON has no type for become their str()."""
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {FLOAT: repr(float(value))}
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return str(value)


def decode(value: object) -> object:
    """The inverse of `encode`, run by nblint on the payload it received."""
    if isinstance(value, dict):
        if len(value) == 1 and FLOAT in value:
            return float(value[FLOAT])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class _Exit:
    """Stands in for exit()/quit(): a kernel ignores them, so record the call instead."""

    def __init__(self, calls: list, name: str) -> None:
        self.calls, self.name = calls, name

    def __repr__(self) -> str:
        return f"Use {self.name}() to exit"

    def __call__(self, code: object = None) -> None:
        self.calls.append({"call": self.name, "code": repr(code)})


def _ignore_warning(*args, **kwargs) -> None:
    """showwarning while the probe inspects values: its own warnings (an all-NaN nanmin) stay silent."""


class Probe:
    """The hooks and what they remember between the start and the end of a cell."""

    def __init__(self, ip) -> None:
        self.ip = ip
        self.ids: dict[str, int] = {}
        self.warnings: list[dict] = []
        self.exits: list[dict] = []
        self.original_show = warnings.showwarning  # restored after every cell

    def user_names(self) -> dict[str, int]:
        hidden = self.ip.user_ns_hidden
        return {k: id(v) for k, v in self.ip.user_ns.items() if not k.startswith("_") and k not in hidden}

    def show_warning(self, message, category, filename, lineno, file=None, line=None) -> None:
        text = warnings.formatwarning(message, category, filename, lineno, line)
        self.warnings.append({"category": category.__name__, "message": str(message), "lineno": lineno, "text": text})
        self.original_show(message, category, filename, lineno, file, line)

    def pre_run_cell(self, info=None) -> None:
        self.ids = self.user_names()
        self.warnings, self.exits = [], []
        warnings.showwarning = self.show_warning
        for name in ("exit", "quit"):
            self.ip.user_ns[name] = self.ip.user_ns_hidden[name] = _Exit(self.exits, name)

    def inspect(self, result) -> dict:
        """The payload for a finished cell (an IPython ExecutionResult)."""
        source = result.info.raw_cell if result.info is not None else ""
        try:
            bound, last_name = assignments(self.ip.transform_cell(source))
        except Exception:  # IPython could not transform the cell
            bound, last_name = {}, None
        now = self.user_names()
        findings = []
        for name in now:
            if self.ids.get(name) != now[name] or name in bound:
                line, kind = bound.get(name, (None, "other"))
                findings += value_findings(name, self.ip.user_ns.get(name), line, kind)
        value = result.result
        if value is None and last_name is not None:
            value = self.ip.user_ns.get(last_name)
        findings += result_findings(result.result)
        return {
            "findings": findings,
            "warnings": self.warnings,
            "exits": self.exits,
            "result": summary(value) if value is not None else None,
        }

    def post_run_cell(self, result) -> None:
        warnings.showwarning = _ignore_warning
        try:
            payload = encode(self.inspect(result))
        except Exception as exc:  # the probe must never break the user's notebook
            payload = encode({"findings": [], "warnings": self.warnings, "exits": self.exits, "result": None,
                              "probe_error": f"{type(exc).__name__}: {exc}"})  # fmt: skip
        finally:
            warnings.showwarning = self.original_show
        self.ip.display_pub.publish(data={MIME: payload}, metadata={})


def install(ip) -> Probe:
    probe = Probe(ip)
    ip.events.register("pre_run_cell", probe.pre_run_cell)
    ip.events.register("post_run_cell", probe.post_run_cell)
    try:  # if the kernel crashes (segfault), its stderr then says where
        import faulthandler

        faulthandler.enable(file=sys.__stderr__)
    except Exception:
        pass
    return probe


if __name__ == "__nblint_probe__":  # only when the runner sends this source into a kernel
    install(get_ipython())  # noqa: F821 - defined in the kernel
