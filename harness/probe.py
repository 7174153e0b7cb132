"""The kernel-side probe. Standard library only: this file's source is sent into the kernel, which may run
in an environment without nblint. It registers IPython `pre_run_cell`/`post_run_cell` hooks and, after each
cell, publishes one display_data message with MIME type MIME describing what the cell left behind:

* names bound from a call that hold None (`none-result`), with the line of the assignment;
* bound names or the result that are or contain NaN / inf (`nan-value`, `inf-value`);
* empty containers bound from a call, a filter or a query (`empty-data`);
* warnings raised while the cell ran (`warning`), with the text IPython printed for them;
* `exit()` / `quit()` calls, which a kernel otherwise ignores (`exit-code`);
* a summary of the cell's result (type, shape, range) for declared expectations.

numpy and pandas are inspected only if the notebook imported them; the probe never imports them itself.
Large arrays and frames are checked with vectorised calls.
"""

MIME = "application/vnd.nblint.probe+json"


def _nblint_install_probe(MIME=MIME):
    import ast
    import json
    import math
    import sys
    import warnings

    ip = get_ipython()  # noqa: F821 - defined in the kernel
    state = {"ids": {}, "warnings": [], "exits": []}
    max_items = 100_000  # python-level scans stop here; numpy/pandas are vectorised

    def user_names():
        hidden = ip.user_ns_hidden
        return {k: id(v) for k, v in ip.user_ns.items() if not k.startswith("_") and k not in hidden}

    def show_warning(message, category, filename, lineno, file=None, line=None):
        text = warnings.formatwarning(message, category, filename, lineno, line)
        state["warnings"].append(
            {"category": category.__name__, "message": str(message), "lineno": lineno, "text": text}
        )
        original_show(message, category, filename, lineno, file, line)

    original_show = warnings.showwarning

    class Exit:
        """Stands in for exit()/quit(): a kernel ignores them, so record the call instead."""

        def __init__(self, name):
            self.name = name

        def __repr__(self):
            return f"Use {self.name}() to exit"

        def __call__(self, code=None):
            state["exits"].append({"call": self.name, "code": repr(code)})

    def pre_run_cell(info=None):
        state["ids"] = user_names()
        state["warnings"] = []
        state["exits"] = []
        warnings.showwarning = show_warning
        ip.user_ns["exit"] = Exit("exit")
        ip.user_ns["quit"] = Exit("quit")
        ip.user_ns_hidden["exit"] = ip.user_ns["exit"]
        ip.user_ns_hidden["quit"] = ip.user_ns["quit"]

    def assignments(source):
        """{name: (line, kind)} for names a cell binds at top level; kind: call, filter, other."""
        try:
            tree = ast.parse(ip.transform_cell(source))
        except Exception:
            return {}, None
        bound = {}
        last = None
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
            last = stmt
        last_name = None
        if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
            last_name = last.targets[0].id
        return bound, last_name

    def qualname(cls):
        return f"{cls.__module__}.{cls.__qualname__}"

    def numeric_issues(value):
        """(nan_count, inf_count, detail) for a value, or None when it holds no numbers we check."""
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
            data = numeric.to_numpy(dtype="float64", na_value=float("nan"))
            infs = np.isinf(data).sum(axis=0)
            cols = [f"{c} ({int(n)})" for c, n in nans.items() if n][:5]
            inf_cols = [f"{c} ({int(n)})" for c, n in zip(numeric.columns, infs) if n][:5]
            detail = "; ".join(
                x for x in (cols and "NaN in " + ", ".join(cols), inf_cols and "inf in " + ", ".join(inf_cols)) if x
            )
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
        if isinstance(value, (list, tuple)) and 0 < len(value) <= max_items:
            floats = [v for v in value if isinstance(v, float)]
            if not floats:
                return None
            return sum(math.isnan(v) for v in floats), sum(math.isinf(v) for v in floats), ""
        if isinstance(value, dict) and 0 < len(value) <= max_items:
            bad = [k for k, v in value.items() if isinstance(v, float) and (math.isnan(v) or math.isinf(v))][:5]
            floats = [v for v in value.values() if isinstance(v, float)]
            if not floats:
                return None
            nan = sum(math.isnan(v) for v in floats)
            inf = sum(math.isinf(v) for v in floats)
            return nan, inf, ("keys " + ", ".join(map(repr, bad))) if bad else ""
        return None

    def emptiness(value):
        np = sys.modules.get("numpy")
        if np is not None and isinstance(value, np.ndarray):
            return value.size == 0
        if isinstance(value, (list, tuple, dict, set)) or hasattr(value, "empty"):
            try:
                return len(value) == 0
            except Exception:
                return None
        return None

    def summary(value):
        """What expectations need: type (with bases), shape, emptiness, numeric range."""
        out = {"type": qualname(type(value)), "mro": [qualname(c) for c in type(value).__mro__]}
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
            np = sys.modules.get("numpy")
            try:
                if np is not None and hasattr(value, "to_numpy"):
                    data = (
                        value.select_dtypes(include="number").to_numpy()
                        if hasattr(value, "select_dtypes")
                        else value.to_numpy()
                    )
                    if data.size and data.dtype.kind in "iuf":
                        out["min"], out["max"] = float(np.nanmin(data)), float(np.nanmax(data))
                elif (
                    np is not None
                    and isinstance(value, (np.ndarray, np.generic))
                    and value.dtype.kind in "iuf"
                    and value.size
                ):
                    out["min"], out["max"] = float(np.nanmin(value)), float(np.nanmax(value))
            except Exception:
                pass
        return out

    def post_run_cell(result):
        warnings.showwarning = original_show
        findings = []
        try:
            source = result.info.raw_cell if result.info is not None else ""
            bound, last_name = assignments(source)
            before = state["ids"]
            now = user_names()
            changed = [n for n in now if before.get(n) != now[n] or n in bound]
            for name in changed:
                value = ip.user_ns.get(name)
                line, kind = bound.get(name, (None, "other"))
                if value is None and kind == "call":
                    findings.append(
                        {
                            "check": "none-result",
                            "name": name,
                            "line": line,
                            "message": f"`{name}` is None after this cell (it was assigned from a call)",
                        }
                    )
                    continue
                issues = numeric_issues(value)
                if issues:
                    nan, inf, detail = issues
                    if nan:
                        findings.append(
                            {
                                "check": "nan-value",
                                "name": name,
                                "line": line,
                                "count": nan,
                                "message": f"`{name}` contains {nan} NaN value(s)" + (f": {detail}" if detail else ""),
                            }
                        )
                    if inf:
                        findings.append(
                            {
                                "check": "inf-value",
                                "name": name,
                                "line": line,
                                "count": inf,
                                "message": f"`{name}` contains {inf} infinite value(s)"
                                + (f": {detail}" if detail else ""),
                            }
                        )
                if kind in ("call", "filter") and emptiness(value):
                    findings.append(
                        {
                            "check": "empty-data",
                            "name": name,
                            "line": line,
                            "message": f"`{name}` is empty ({qualname(type(value))} with no rows/items)",
                        }
                    )
            value = result.result
            if value is None and last_name is not None:
                value = ip.user_ns.get(last_name)
            result_summary = summary(value) if value is not None else None
            if result.result is not None:
                issues = numeric_issues(result.result)
                if issues and (issues[0] or issues[1]):
                    nan, inf, detail = issues
                    check = "nan-value" if nan else "inf-value"
                    findings.append(
                        {
                            "check": check,
                            "name": None,
                            "line": None,
                            "count": nan or inf,
                            "message": f"the cell's result contains {nan} NaN and {inf} infinite value(s)",
                        }
                    )
            payload = {
                "findings": findings,
                "warnings": state["warnings"],
                "exits": state["exits"],
                "result": result_summary,
            }
        except Exception as exc:  # the probe must never break the user's notebook
            payload = {
                "findings": [],
                "warnings": state["warnings"],
                "exits": state["exits"],
                "result": None,
                "probe_error": f"{type(exc).__name__}: {exc}",
            }
        ip.display_pub.publish(data={MIME: json.loads(json.dumps(payload, default=str))}, metadata={})

    ip.events.register("pre_run_cell", pre_run_cell)
    ip.events.register("post_run_cell", post_run_cell)
    try:  # if the kernel crashes (segfault), its stderr then says where
        import faulthandler

        faulthandler.enable(file=sys.__stderr__)
    except Exception:
        pass


if __name__ == "__nblint_probe__":  # only when the runner sends this source into a kernel
    _nblint_install_probe()
