"""The kernel-side probe without a kernel: its functions on plain values, numpy and pandas objects, and its
hooks in a real in-process IPython shell, installed from the same self-contained source the runner sends."""

from __future__ import annotations

import ast
import json
import math
import sys
import warnings
from pathlib import Path

import pytest
from nblint.harness import probe

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

SOURCE = Path(probe.__file__).read_text(encoding="utf-8")


def _strict_json(value) -> object:
    """What the kernel's message serialiser accepts: JSON without NaN or infinity."""
    return json.loads(json.dumps(value, allow_nan=False))


def test_assignments_tell_calls_constructors_and_filters_apart():
    source = (
        "a = load('x.csv')\n"  # call with arguments
        "b = Model()\n"  # a constructor-like call to a plain name
        "c = df.query('x > 1')\n"  # a method call
        "d = df[df.x > 1]\n"  # a filter
        "e, f = split(data)\n"
        "obj.attr = compute(1)\n"  # changes obj in place
        "g: int = 3\n"
        "total = len(a)"
    )
    facts = probe.cell_facts(source)
    bound, last = {name: (b.line, b.kind) for name, b in facts.bound.items()}, facts.last_name
    kinds = {name: kind for name, (_, kind) in bound.items()}
    assert kinds == {"a": "call", "b": "init", "c": "call", "d": "filter", "e": "call", "f": "call",
                     "obj": "mutated", "g": "other", "total": "call"}  # fmt: skip
    assert bound["d"][0] == 4 and last == "total"
    assert probe.cell_facts("x = (").bound == {}
    assert probe.cell_facts("x = 1\nx").last_name is None  # the cell ends with an expression, not an assignment


def test_numeric_issues_on_plain_values():
    assert probe.numeric_issues(float("nan")) == (1, 0, "")
    assert probe.numeric_issues(float("-inf")) == (0, 1, "")
    assert probe.numeric_issues(True) is None and probe.numeric_issues(3) is None
    assert probe.numeric_issues([1.0, float("nan"), float("inf"), "x"]) == (1, 1, "")
    assert probe.numeric_issues(["a", 1]) is None
    assert probe.numeric_issues({"auc": float("nan"), "n": 3.0}) == (1, 0, "keys 'auc'")
    assert probe.numeric_issues(list(range(probe.MAX_ITEMS + 1))) is None  # long lists are not scanned


def test_numeric_issues_on_numpy_and_pandas():
    frame = pd.DataFrame({"a": [1.0, np.nan, np.nan], "b": [np.inf, 2.0, 3.0], "name": ["x", None, "z"]})
    assert probe.numeric_issues(frame) == (2, 1, "NaN in a (2); inf in b (1)")
    assert probe.numeric_issues(pd.DataFrame({"name": ["x"]})) is None
    assert probe.numeric_issues(frame["a"]) == (2, 0, "")
    assert probe.numeric_issues(pd.Series([1, 2])) is None
    assert probe.numeric_issues(np.array([1.0, np.inf, -np.inf])) == (0, 2, "")
    assert probe.numeric_issues(np.float64("nan")) == (1, 0, "")
    assert probe.numeric_issues(np.arange(3)) is None


def test_emptiness_and_summary():
    assert probe.emptiness([]) and probe.emptiness(pd.DataFrame()) and probe.emptiness(np.array([]))
    assert probe.emptiness([0]) is False and probe.emptiness(5) is None
    frame = pd.DataFrame({"a": [1, 5], "b": ["x", "y"]})
    summary = probe.summary(frame)
    assert summary["shape"] == [2, 2] and summary["empty"] is False
    assert summary["type"] == probe.qualname(pd.DataFrame) and "builtins.object" in summary["mro"]
    assert (summary["min"], summary["max"]) == (1.0, 5.0)
    assert probe.summary([1, 2, 3])["shape"] == [3]
    assert probe.summary(0.5)["min"] == 0.5 and "min" not in probe.summary("text")


def _judge(source: str, namespace: dict, name: str | None = None) -> list[dict]:
    """value_findings for `name` (or the result) as the probe judges it after running `source`."""
    facts = probe.cell_facts(source)
    before = dict(namespace)
    exec(source, namespace)

    def lookup(n, column):
        value = before.get(n, namespace.get(n))
        return value[column] if column is not None and hasattr(value, "columns") and column in value.columns else value

    def resolve(dotted):
        head, *rest = dotted.split(".")
        value = namespace.get(head, getattr(__builtins__, head, None) if not isinstance(__builtins__, dict)
                              else __builtins__.get(head))  # fmt: skip
        for part in rest:
            value = getattr(value, part, None)
        return value

    if name is None:
        return probe.result_findings(eval(source.splitlines()[-1], namespace), facts.result, lookup, resolve)
    return probe.value_findings(name, namespace[name], facts.bound[name], lookup, resolve)


def _checks(findings) -> set[str]:
    return {f["check"] for f in findings}


def test_none_result_tells_functions_from_classes():
    [none] = _judge("data = load('x')", {"load": lambda p: None}, "data")
    assert none["check"] == "none-result" and none["line"] == 1
    [none] = _judge("def load():\n    return None\ndf = load()", {}, "df")  # no arguments, still a function
    assert none["check"] == "none-result" and none["line"] == 3
    assert _judge("class Model:\n    pass\nm = Model()", {}, "m") == []  # a constructor
    assert _judge("x = dict()", {}, "x") == [] and _judge("x = input", {}, "x") == []


def test_raw_data_with_gaps_passes_and_nan_results_fail():
    ns = {"pd": pd, "np": np}
    raw = "df = pd.DataFrame({'a': [1.0, np.nan, 3.0], 'b': [np.inf, 2.0, 3.0], 'name': ['x', None, 'z']})"
    assert _judge(raw, ns, "df") == []  # gaps in raw data are normal
    assert _judge("clean = df.dropna()", ns, "clean") == []
    assert _judge("arr = np.array([1.0, np.nan])", ns, "arr") == []
    [metric] = _judge("auc = float('nan')", ns, "auc")
    assert metric["check"] == "nan-value" and metric["count"] == 1
    means = _judge("means = df[['a']].mean() * np.nan", ns, "means")
    assert _checks(means) == {"nan-value"}
    [column] = _judge("df['ratio'] = (df['a'] - 1.0) / (df['a'] - 1.0)", ns, "df")  # 0/0 next to the gap
    assert column["check"] == "nan-value" and "column ratio became NaN" in column["message"]
    [column] = _judge("df['inv'] = 1 / (df['a'] - 1.0)", ns, "df")
    assert column["check"] == "inf-value" and column["count"] == 1
    assert _judge("df['double'] = df['a'] * 2", ns, "df") == []  # the gap of `a` carried over, nothing new
    ns["ts"] = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    assert _judge("ts['ma'] = ts['a'].rolling(2).mean()", ns, "ts") == []  # a window's NaN by design
    [empty] = _judge("blank = pd.DataFrame({'x': [np.nan, np.nan], 'y': [1.0, 2.0]})", ns, "blank")
    assert "column x is entirely NaN" in empty["message"] and empty["count"] == 2
    with np.errstate(invalid="ignore"):
        [made] = _judge("logs = np.log(np.array([-1.0, 1.0, 2.0]) * w)", {**ns, "w": np.ones(3)}, "logs")
    assert made["check"] == "nan-value" and "gained 1 NaN" in made["message"]
    checks = {f["check"]: f for f in _judge("m = {'loss': float('nan'), 'x': float('inf'), 'n': 2.0}", ns, "m")}
    assert set(checks) == {"nan-value", "inf-value"} and "keys 'loss'" in checks["nan-value"]["message"]
    [result] = _judge("np.array([1.0, 2.0]).mean() * np.inf", ns)
    assert result["check"] == "inf-value" and result["name"] is None
    assert _judge("np.array([1.0, np.nan])", ns) == []  # a raw array shown as the result


def test_empty_data_recall():
    ns = {"pd": pd, "rows": [1, 2, 3], "fetch": lambda k: 1 / 0}
    [alerts] = _judge("alerts = []\nfor r in rows:\n    if r > 10:\n        alerts.append(r)", ns, "alerts")
    assert alerts["check"] == "empty-data" and "added nothing" in alerts["message"]
    source = "rates = {}\nfor k in rows:\n    try:\n        rates[k] = fetch(k)\n    except Exception:\n        pass"
    assert _checks(_judge(source, ns, "rates")) == {"empty-data"}
    assert _checks(_judge("big = [r for r in rows if r > 10]", ns, "big")) == {"empty-data"}
    assert _judge("copies = [r for r in []]", ns, "copies") == []  # no filter: not a filter's result
    fallback = "if len(rows) > 5:\n    df = pd.DataFrame({'r': rows})\nelse:\n    df = pd.DataFrame(columns=['r'])"
    [empty] = _judge(fallback, ns, "df")
    assert empty["check"] == "empty-data" and "fallback" in empty["message"]
    assert _judge("df = pd.DataFrame(columns=['r'])", ns, "df") == []  # an initialiser
    assert _judge("results = []\nlookup = {}", ns, "results") == []  # nothing meant to fill them here
    [rows] = _judge("kept = []\nframe = pd.DataFrame(kept)", ns, "frame")  # a frame built from nothing
    assert rows["check"] == "empty-data"


def test_payload_never_holds_nan_or_infinity_and_decodes_back():
    payload = {
        "result": {"min": float("nan"), "max": np.float64("inf"), "low": -math.inf, "n": np.int64(3)},
        "findings": [{"message": "nan", "count": 1}],
        "warnings": (1.5,),
    }
    encoded = _strict_json(probe.encode(payload))
    assert encoded["result"]["min"] == {probe.FLOAT: "nan"} and encoded["result"]["n"] == "3"
    decoded = probe.decode(encoded)
    assert math.isnan(decoded["result"]["min"]) and decoded["result"]["max"] == math.inf
    assert decoded["result"]["low"] == -math.inf
    assert decoded["findings"] == [{"message": "nan", "count": 1}] and decoded["warnings"] == [1.5]


def test_the_probe_source_is_stdlib_only():
    imported = set()
    for node in ast.walk(ast.parse(SOURCE)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


@pytest.fixture
def shell():
    """A real in-process IPython shell with the probe installed from its source, as the runner does.

    Yields the shell and the warnings shown to the user (the probe passes them on to `showwarning`)."""
    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shown: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))
        ip = InteractiveShell.instance(config=config)
        ip.display_pub = CapturingDisplayPublisher()
        namespace = {"get_ipython": lambda: ip, "__name__": "__nblint_probe__"}
        exec(compile(SOURCE, "<nblint-probe>", "exec"), namespace)  # the runner's way: no nblint import
        yield ip, shown
        InteractiveShell.clear_instance()


def _payloads(ip) -> list[dict]:
    return [o["data"][probe.MIME] for o in ip.display_pub.outputs if probe.MIME in o["data"]]


def test_hooks_report_a_cell_and_stay_silent(shell, capsys):
    shell, shown = shell
    shell.run_cell("import numpy as np\nall_nan = np.array([np.nan])\nall_nan")
    shell.run_cell("import warnings\nwarnings.warn('check the units')\nexit(3)")
    first, second = _payloads(shell)
    assert {(f["check"], f["name"]) for f in first["findings"]} == {("nan-value", "all_nan")}  # judged once
    assert first["result"]["shape"] == [1] and "min" not in first["result"]  # all NaN: no range to compare
    _strict_json(first)
    assert [w["message"] for w in second["warnings"]] == ["check the units"]
    assert second["exits"] == [{"call": "exit", "code": "3"}]
    assert shown == ["check the units"]  # the user's warning is shown as usual; the probe's all-NaN one is not
    assert "All-NaN" not in capsys.readouterr().err


def test_payload_passes_the_kernel_message_serialiser(shell):
    shell, _ = shell
    session = pytest.importorskip("jupyter_client.session")
    shell.run_cell("import pandas as pd, numpy as np\ndf = pd.DataFrame({'a': [np.nan, np.inf]})\ndf.a.mean()")
    [payload] = _payloads(shell)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # jupyter_client warns when it has to fall back to cleaning the message
        session.json_packer({"content": {"data": {probe.MIME: payload}}})


def _library(name: str):
    """A data library the probe understands, or a skip when it cannot be installed here (torch's PyPI wheels
    need CUDA libraries this machine lacks)."""
    try:
        return __import__(name)
    except ImportError as exc:
        pytest.skip(f"{name} is not importable here: {exc}")


def test_polars_values():
    pl = _library("polars")
    frame = pl.DataFrame({"a": [1.0, float("nan"), None], "b": [float("inf"), 2.0, 3.0], "s": ["x", "y", "z"]})
    assert probe.numeric_issues(frame) == (2, 1, "NaN in a (2); inf in b (1)")
    assert probe.numeric_issues(frame["b"]) == (0, 1, "")
    gone = pl.DataFrame({"x": [None, None]}, schema={"x": pl.Float64})
    [whole] = probe.nan_findings("gone", gone, probe.Binding(1, "call"), lambda n, c: None, lambda n: None)
    assert "column x is entirely NaN" in whole["message"]
    assert probe.emptiness(frame.filter(pl.col("b") < 0)) and probe.emptiness(frame) is False
    lazy = frame.lazy().filter(pl.col("b") < 0)
    assert probe.emptiness(lazy) is None and probe.stats(lazy) is None  # never collected by the probe
    summary = probe.summary(frame)
    assert summary["shape"] == [3, 3] and (summary["min"], summary["max"]) == (1.0, float("inf"))
    assert "shape" not in probe.summary(lazy) and probe.summary(lazy)["type"].startswith("polars")


def test_pyarrow_tables():
    pa = _library("pyarrow")
    table = pa.table({"a": [1.0, float("nan"), None], "n": [1, 2, 3], "s": ["x", "y", "z"]})
    assert probe.numeric_issues(table) == (2, 0, "NaN in a (2)")
    assert probe.emptiness(table.slice(0, 0)) and probe.emptiness(table) is False
    summary = probe.summary(table)
    assert summary["shape"] == [3, 3] and (summary["min"], summary["max"]) == (1.0, 3.0)


def test_xarray_values():
    xr = _library("xarray")
    array = xr.DataArray(np.array([[1.0, np.nan], [np.inf, 4.0]]), dims=("x", "y"))
    assert probe.numeric_issues(array)[:2] == (1, 1)
    dataset = xr.Dataset({"t": ("x", [1.0, 2.0]), "gone": ("x", [np.nan, np.nan])})
    assert probe.numeric_issues(dataset) == (2, 0, "NaN in gone (2)")
    [whole] = probe.nan_findings("ds", dataset, probe.Binding(1, "call"), lambda n, c: None, lambda n: None)
    assert "column gone is entirely NaN" in whole["message"]
    assert probe.emptiness(array.isel(x=slice(0, 0))) and probe.summary(array)["shape"] == [2, 2]
    assert (probe.summary(array)["min"], probe.summary(array)["max"]) == (1.0, float("inf"))


def test_torch_tensors_and_a_nan_loss_in_a_training_loop():
    torch = _library("torch")
    assert probe.numeric_issues(torch.tensor([1.0, float("nan"), float("inf")])) == (1, 1, "")
    assert probe.numeric_issues(torch.arange(3)) is None
    source = "for epoch in range(2):\n    loss = (torch.tensor([0.0]) / torch.tensor([0.0])).mean()"
    ns = {"torch": torch}
    exec(source, ns)
    facts = probe.cell_facts(source)
    [found] = probe.value_findings("loss", ns["loss"], facts.bound["loss"])
    assert found["check"] == "nan-value" and found["line"] == 2
    assert probe.summary(torch.zeros(2, 3))["shape"] == [2, 3] and probe.emptiness(torch.zeros(0))


def test_a_library_the_notebook_did_not_import_is_not_touched(monkeypatch):
    class DataFrame:  # looks like polars to a duck-typing probe; polars itself is not imported here
        empty = True

        def __len__(self):
            raise AssertionError("the probe must not call into unknown objects")

    monkeypatch.delitem(sys.modules, "polars", raising=False)
    assert probe.stats(DataFrame()) is None
