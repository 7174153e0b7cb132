"""`unchecked-io` (NB301): a network call or file read whose failure goes unnoticed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.analysis.patterns import is_loud
from nblint.analysis.symbols import walk_scope
from nblint.diagnostics import Finding
from nblint.rule import Rule, example

_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"})
_HTTP_CLIENTS = ("requests", "httpx")
_SESSION_FACTORIES = frozenset({"requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient"})
_STATUS_ATTRS = frozenset({"raise_for_status", "status_code", "ok", "status", "is_success", "is_error", "reason"})
_EXISTENCE = frozenset({"exists", "isfile", "is_file", "access"})


class UncheckedIO(Rule):
    code = "NB301"
    name = "unchecked-io"
    summary = "A network call or file read whose failure goes unnoticed"
    why = (
        "`requests.get(url).json()` happily parses a 500 error page or a login form, and without a "
        "timeout a stalled server hangs the notebook until someone kills it. A read whose result is "
        "neither guarded nor checked turns a missing or truncated file into a confusing error cells "
        "later, or into an empty report."
    )
    how_to_fix = (
        "Give every request a timeout and check the status: `resp = requests.get(url, timeout=30); "
        "resp.raise_for_status()`. For files, check the input exists and raise if not, wrap the read in a "
        "`try` that re-raises with context, or assert on what you loaded."
    )
    bad = (
        example("import requests\ndata = requests.get('https://api.example.com/rates').json()", at=((1, 2),)),
        example(
            "import requests\nresp = requests.post(url, json=payload, timeout=10)\nrows = resp.json()", at=((1, 2),)
        ),
        example("import requests\nresp = requests.get(url)\nresp.raise_for_status()", at=((1, 2),)),
        example(
            "import yaml\nconfig = yaml.safe_load(open('config.yaml'))\nthreshold = config['threshold']", at=((1, 2),)
        ),
        example(
            "import pandas as pd\ndf = pd.read_parquet('s3://bucket/events.parquet')\ndf.to_csv('out.csv')",
            at=((1, 2),),
        ),
    )
    good = (
        example("import requests\nresp = requests.get(url, timeout=30)\nresp.raise_for_status()\ndata = resp.json()"),
        example("import httpx\nr = httpx.get(url)\nif r.status_code != 200:\n    raise RuntimeError(r.text)"),
        example(
            "import os\nimport pandas as pd\nif not os.path.exists('sales.csv'):\n"
            "    raise FileNotFoundError('sales.csv')\ndf = pd.read_csv('sales.csv')"
        ),
        example("import pandas as pd\ndf = pd.read_csv('sales.csv')\nassert len(df) > 0"),
        example(
            "import json\ntry:\n    config = json.load(open('config.json'))\nexcept FileNotFoundError as exc:\n"
            "    raise RuntimeError('config.json is required') from exc"
        ),
        example(
            "import requests\nwith requests.Session() as s:\n    r = s.get(url, timeout=5)\n    r.raise_for_status()"
        ),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        flow = nb.dataflow
        sessions = _session_names(nb)
        status_checked = _status_checked_names(nb) | flow.validated
        guarded = _existence_guarded(nb)
        for cell in nb.python_cells:
            for node in cell.nodes:
                if not isinstance(node, ast.Call):
                    continue
                http = _http_client(nb, node, sessions)
                if http:
                    problems = self._http_problems(cell, nb, node, http, status_checked)
                    if problems:
                        yield Finding(f"`{http}` {' and '.join(problems)}", cell.number, cell.span(node))
            yield from self._unguarded_reads(cell, nb, flow, guarded)

    @staticmethod
    def _http_problems(cell, nb, call, http, status_checked) -> list[str]:
        problems = []
        keywords = {k.arg for k in call.keywords}
        explicit_none = any(
            k.arg == "timeout" and isinstance(k.value, ast.Constant) and k.value.value is None for k in call.keywords
        )
        if (http.startswith(("requests", "session")) and "timeout" not in keywords) or explicit_none:
            problems.append("has no timeout (a stalled server hangs the notebook)")
        if http == "urllib.request.urlopen" and "timeout" not in keywords and len(call.args) < 3:
            problems.append("has no timeout (a stalled server hangs the notebook)")
        elif http != "urllib.request.urlopen" and not _status_is_checked(cell, call, status_checked):
            problems.append("never checks the response status")
        return problems

    def _unguarded_reads(self, cell: CodeCell, nb: Analysis, flow, guarded: int) -> Iterator[Finding]:
        for producer in flow.producers:
            if producer.cell is not cell or producer.kind != "load":
                continue
            if flow.is_validated(producer.name) or _in_handled_try(cell, nb, producer.node):
                continue
            if guarded and guarded <= cell.number:
                continue
            yield Finding(
                f"`{producer.name} = {producer.what}(...)` is neither guarded nor checked: a missing or broken "
                "input fails later, far from here",
                cell.number,
                cell.span(producer.node),
            )


def _session_names(nb: Analysis) -> set[str]:
    names = set()
    for cell in nb.python_cells:
        for node in cell.nodes:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                if nb.qualified(node.value.func) in _SESSION_FACTORIES:
                    names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    call = item.context_expr
                    factory = isinstance(call, ast.Call) and nb.qualified(call.func) in _SESSION_FACTORIES
                    if factory and isinstance(item.optional_vars, ast.Name):
                        names.add(item.optional_vars.id)
    return names


def _http_client(nb: Analysis, call: ast.Call, sessions: set[str]) -> str | None:
    name = nb.qualified(call.func) or ""
    if name == "urllib.request.urlopen":
        return name
    head, _, verb = name.rpartition(".")
    if verb in _HTTP_VERBS and head in _HTTP_CLIENTS:
        return name
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if verb in _HTTP_VERBS and isinstance(receiver, ast.Name) and receiver.id in sessions:
        return f"session.{verb}"
    return None


def _status_checked_names(nb: Analysis) -> set[str]:
    names = set()
    for cell in nb.python_cells:
        for node in cell.nodes:
            if isinstance(node, ast.Attribute) and node.attr in _STATUS_ATTRS and isinstance(node.value, ast.Name):
                names.add(node.value.id)
    return names


def _status_is_checked(cell: CodeCell, call: ast.Call, checked: set[str]) -> bool:
    parent = cell.parents.get(call)
    if isinstance(parent, ast.Attribute) and parent.attr in _STATUS_ATTRS:
        return True  # requests.get(...).raise_for_status()
    if isinstance(parent, ast.Assign | ast.AnnAssign | ast.withitem):
        targets = (
            parent.targets
            if isinstance(parent, ast.Assign)
            else [parent.target if isinstance(parent, ast.AnnAssign) else parent.optional_vars]
        )
        return any(isinstance(t, ast.Name) and t.id in checked for t in targets)
    if isinstance(parent, ast.Await):
        return _status_is_checked(cell, parent, checked)
    return False


def _in_handled_try(cell: CodeCell, nb: Analysis, node: ast.AST) -> bool:
    """Inside a `try` body whose handlers fail loudly (a swallowing handler is another rule's finding)."""
    child = node
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.Try | ast.TryStar) and child in parent.body:
            return any(is_loud(nb, h.body) for h in parent.handlers)
        child = parent
    return False


def _existence_guarded(nb: Analysis) -> int:
    """The first cell that raises when an input does not exist (0 when none does)."""
    for cell in nb.python_cells:
        for node in walk_scope(cell.tree):
            test = node.test if isinstance(node, ast.If | ast.Assert) else None
            if test is None or (isinstance(node, ast.If) and not is_loud(nb, node.body)):
                continue
            for call in ast.walk(test):
                if isinstance(call, ast.Call):
                    func = call.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in _EXISTENCE:
                        return cell.number
    return 0
