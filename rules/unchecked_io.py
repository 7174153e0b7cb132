"""`unchecked-io` (NB301): a network call or file read whose failure goes unnoticed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.environment.install_command import parse_install
from nblint.rule import Rule, example

_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"})
_HTTP_CLIENTS = ("requests", "httpx")
_SESSION_FACTORIES = frozenset({"requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient"})
_STATUS_ATTRS = frozenset({"raise_for_status", "status_code", "ok", "status", "is_success", "is_error", "reason"})


class UncheckedIO(Rule):
    code = "NB301"
    name = "unchecked-io"
    summary = "A network call or file read whose failure goes unnoticed"
    why = (
        "`requests.get(url).json()` happily parses a 500 error page or a login form, and without a "
        "timeout a stalled server hangs the notebook until someone kills it. Printing or returning "
        "`resp.status_code` is not a check: only a comparison or `raise_for_status()` is. A command run "
        "with `subprocess.Popen(...).communicate()` or a `!cmd` shell line fails without raising: unless "
        "its return code (IPython's `_exit_code` for `!`) or its stderr is read, the notebook carries on "
        "with whatever the command did not produce. A file read that fails (`pd.read_csv`, `open`) "
        "raises at once, so this rule does not report reads: that their content is never checked (empty "
        "data, missing columns) is `missing-assertion`'s finding, one per load."
    )
    how_to_fix = (
        "Give every request a timeout and check the status: `resp = requests.get(url, timeout=30); "
        "resp.raise_for_status()`. For commands use `subprocess.run([...], check=True)`, or test "
        "`proc.returncode` after `communicate()`; after a `!cmd` line add `assert _exit_code == 0`."
    )
    bad = (
        example("import requests\ndata = requests.get('https://api.example.com/rates').json()", at=((1, 2),)),
        example(
            "import requests\nresp = requests.post(url, json=payload, timeout=10)\nrows = resp.json()", at=((1, 2),)
        ),
        example("import requests\nresp = requests.get(url)\nresp.raise_for_status()", at=((1, 2),)),
        example(
            "import requests\n\ndef status(url):\n    resp = requests.head(url, timeout=5)\n    print(resp.status_code)"
            "\n    return resp.status_code",
            at=((1, 4),),
        ),
        example(
            "import subprocess\nproc = subprocess.Popen(['python', 'train.py'], stdout=subprocess.PIPE)\n"
            "out, err = proc.communicate()",
            at=((1, 3),),
        ),
        example("!wget -q https://example.com/data.zip\n!unzip -o data.zip", at=((1, 1), (1, 2))),
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
        example(
            "import subprocess\nproc = subprocess.Popen(cmd, stderr=subprocess.PIPE)\n_, err = proc.communicate()\n"
            "if proc.returncode:\n    raise RuntimeError(err.decode())"
        ),
        example("!wget -q https://example.com/data.zip\nassert _exit_code == 0, 'download failed'\n!ls -l"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        flow = nb.dataflow
        sessions = _session_names(nb)
        status_checked = _status_checked_names(nb) | flow.validated
        processes = _process_names(nb)
        for cell in nb.python_cells:
            for node in cell.of_type(ast.Call):
                http = _http_client(nb, node, sessions)
                if http:
                    problems = self._http_problems(cell, nb, node, http, status_checked)
                    if problems:
                        yield Finding(f"`{http}` {' and '.join(problems)}", cell.number, cell.span(node))
                elif _unchecked_communicate(cell, nb, node, processes):
                    yield Finding(
                        "`communicate()` returns without raising when the command fails, and neither its return "
                        "code nor its stderr is read; test `returncode` or use `subprocess.run(..., check=True)`",
                        cell.number,
                        cell.span(node),
                    )
        yield from _unchecked_shell_lines(nb)

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


def _session_names(nb: Analysis) -> set[str]:
    names = set()
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Assign, ast.With, ast.AsyncWith):
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
    """Responses whose status is compared or tested, or that call `raise_for_status()`."""
    names = set()
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Attribute):
            if isinstance(node.value, ast.Name) and _checks_status(cell, node):
                names.add(node.value.id)
    return names


def _checks_status(cell: CodeCell, attr: ast.Attribute) -> bool:
    """`r.raise_for_status()`, or `r.status_code` / `r.ok` in a comparison or a test; printing or
    returning the status checks nothing."""
    if attr.attr == "raise_for_status":
        return True
    if attr.attr not in _STATUS_ATTRS:
        return False
    child: ast.AST = attr
    for parent in cell.ancestors(attr):
        if isinstance(parent, ast.Compare | ast.Match):
            return True
        if isinstance(parent, ast.If | ast.While | ast.Assert | ast.IfExp):
            return child is parent.test
        if isinstance(parent, ast.stmt):
            return False
        child = parent
    return False


def _status_is_checked(cell: CodeCell, call: ast.Call, checked: set[str]) -> bool:
    parent = cell.parents.get(call)
    if isinstance(parent, ast.Attribute) and _checks_status(cell, parent):
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


def _process_names(nb: Analysis) -> dict[str, bool]:
    """Names bound to `subprocess.Popen(...)`, and whether the notebook ever reads their return code."""
    procs: dict[str, bool] = {}
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Assign, ast.withitem):
            value, targets = None, []
            if isinstance(node, ast.Assign):
                value, targets = node.value, node.targets
            elif isinstance(node, ast.withitem):
                value, targets = node.context_expr, [node.optional_vars] if node.optional_vars else []
            if isinstance(value, ast.Call) and nb.qualified(value.func) == "subprocess.Popen":
                procs.update({t.id: False for t in targets if isinstance(t, ast.Name)})
    for cell in nb.python_cells:
        for node in cell.of_type(ast.Attribute):
            owner = node.value if node.attr in _RETURN_CODE else None
            if isinstance(owner, ast.Name) and owner.id in procs:
                procs[owner.id] = True
    return procs


def _unchecked_communicate(cell: CodeCell, nb: Analysis, call: ast.Call, processes: dict[str, bool]) -> bool:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "communicate"):
        return False
    owner = func.value
    if isinstance(owner, ast.Name):
        if owner.id not in processes or processes[owner.id]:
            return False
    elif not (isinstance(owner, ast.Call) and nb.qualified(owner.func) == "subprocess.Popen"):
        return False
    # `out, err = proc.communicate()`: reading `err` is reading the failure.
    parent = cell.parents.get(call)
    if isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Tuple | ast.List):
        elts = parent.targets[0].elts
        err = elts[1].id if len(elts) > 1 and isinstance(elts[1], ast.Name) else None
        if (
            err
            and err != "_"
            and any(n.id == err and isinstance(n.ctx, ast.Load) for c in nb.python_cells for n in c.of_type(ast.Name))
        ):
            return False
    return True


def _unchecked_shell_lines(nb: Analysis) -> Iterator[Finding]:
    """`!cmd` lines (not `x = !cmd`) whose exit status is not read (`_exit_code`) before the next one."""
    pending: list[tuple[CodeCell, int, str]] = []
    for cell in nb.python_cells:
        events = []  # (line, kind, payload) in source order
        for node in cell.of_type(ast.Expr, ast.Name):
            if isinstance(node, ast.Expr) and _is_system_call(node.value):
                command = node.value.args[0].value if node.value.args else ""
                events.append((node.lineno, "run", command))
            elif isinstance(node, ast.Name) and node.id == "_exit_code" and isinstance(node.ctx, ast.Load):
                events.append((node.lineno, "read", ""))
        for line, kind, command in sorted(events, key=lambda e: (e[0], e[1] != "read")):
            if kind == "read":
                pending.clear()
                continue
            yield from _report_shell(pending)
            pending = [(cell, line, command)] if _matters(command) else []
    yield from _report_shell(pending)


def _report_shell(pending: list[tuple[CodeCell, int, str]]) -> Iterator[Finding]:
    for cell, line, command in pending:
        yield Finding(
            f"`!{_shorten(command)}` ignores the command's exit status: if it fails the notebook carries on "
            "(IPython only sets `_exit_code`); add `assert _exit_code == 0` after it",
            cell.number,
            cell.line_span(line),
        )


def _is_system_call(node: ast.AST) -> bool:
    """`get_ipython().system('...')`, which is what a `!cmd` line becomes."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "system"
        and isinstance(node.func.value, ast.Call)
        and getattr(node.func.value.func, "id", None) == "get_ipython"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
    )


def _matters(command: str) -> bool:
    """Commands that produce something the notebook needs; not ones that only show information, and not
    installs (`inline-install` reports those)."""
    words = command.split()
    if not words or parse_install(command) is not None:
        return False
    program = words[0].rsplit("/", 1)[-1]
    if program in _INFORMATIONAL:
        return False
    return not (program in {"pip", "pip3", "conda", "mamba"} and len(words) > 1 and words[1] in _PIP_QUERIES)


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_RETURN_CODE = frozenset({"returncode", "wait", "poll", "check_returncode"})
_INFORMATIONAL = frozenset(
    {
        "ls",
        "ll",
        "pwd",
        "echo",
        "cat",
        "head",
        "tail",
        "less",
        "more",
        "wc",
        "du",
        "df",
        "free",
        "nvidia-smi",
        "nproc",
        "lscpu",
        "uname",
        "whoami",
        "hostname",
        "date",
        "which",
        "whereis",
        "type",
        "env",
        "printenv",
        "tree",
        "file",
        "stat",
        "ps",
        "top",
        "history",
        "grep",
        "jupyter",
        "nvcc",
        "java",
        "lsb_release",
        "sleep",
        "clear",
        "cd",
    }
)
_PIP_QUERIES = frozenset({"list", "freeze", "show", "--version", "-V", "info", "env", "check"})
