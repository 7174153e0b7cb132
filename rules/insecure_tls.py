"""`insecure-tls` (NB502): certificate verification turned off for HTTPS or TLS connections."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example

_RISK = "anyone on the network path can read and change this traffic"
# Keyword arguments that turn verification off when given False (requests, httpx, boto3, elasticsearch).
_VERIFY_KEYWORDS = frozenset({"verify", "verify_ssl", "verify_certs", "ssl_verify"})
_UNVERIFIED = frozenset({"ssl._create_unverified_context", "ssl._create_stdlib_context"})
# Environment variables whose value disables verification for the whole process.
_ENV_OFF = {"PYTHONHTTPSVERIFY": "0", "CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": ""}


def _false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


class InsecureTLS(CellRule):
    code = "NB502"
    name = "insecure-tls"
    security_severity = 7.4  # traffic readable and forgeable by anyone on the path
    summary = "Certificate verification is turned off for an HTTPS or TLS connection"
    why = (
        "`verify=False`, an unverified SSL context, `CERT_NONE` or `check_hostname = False` make the "
        "connection accept any certificate, so a proxy, a hotel Wi-Fi or an attacker can read the "
        "credentials and data it carries, and hand back data of their own. It usually starts as a "
        "workaround for a corporate proxy and ships unnoticed; silencing urllib3's "
        "InsecureRequestWarning removes the last reminder."
    )
    how_to_fix = (
        "Keep verification on and give the client the right certificate authority instead: "
        "`requests.get(url, verify='/path/to/corporate-ca.pem')`, `REQUESTS_CA_BUNDLE` or `SSL_CERT_FILE` "
        "in the environment, or `ssl.create_default_context(cafile=...)`. Never disable the warning."
    )
    bad = (
        example("import requests\nr = requests.get(URL, verify=False, timeout=10)", at=((1, 2),)),
        example("import ssl\nimport urllib.request\nctx = ssl._create_unverified_context()\n"
                "data = urllib.request.urlopen(URL, context=ctx).read()", at=((1, 3),)),
        example("import urllib3\nurllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)", at=((1, 2),)),
        example("import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False\n"
                "ctx.verify_mode = ssl.CERT_NONE", at=((1, 3), (1, 4))),
        example("import aiohttp\nasync with aiohttp.ClientSession() as s:\n    r = await s.get(URL, ssl=False)",
                at=((1, 3),)),
        example("!curl -sk https://internal/data.csv -o data.csv", at=((1, 1),)),
    )  # fmt: skip
    good = (
        example("import requests\nr = requests.get(URL, verify='certs/corporate-ca.pem', timeout=10)"),
        example("import ssl\nctx = ssl.create_default_context(cafile='certs/ca.pem')\n"
                "assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname"),
        example("import redis\nr = redis.Redis(host='localhost', ssl=False)"),
        example("model.fit(X, y, verbose=False)\n!curl -sSL https://example.org/data.csv -o data.csv"),
    )  # fmt: skip

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        uses_aiohttp = any(v.split(".")[0] == "aiohttp" for v in nb.aliases.values())
        seen: set[int] = set()
        for node, what in self._findings(cell, nb, uses_aiohttp):
            if node.lineno in seen:
                continue
            seen.add(node.lineno)
            yield Finding(f"{what}: {_RISK}", cell.number, cell.span(node))
        for magic in cell.transformed.magics:
            what = _insecure_command(magic.text) if magic.kind == "system" else None
            if what and magic.line not in seen:
                yield Finding(f"{what}: {_RISK}", cell.number, cell.line_span(magic.line))

    def _findings(self, cell: CodeCell, nb: Analysis, uses_aiohttp: bool) -> Iterator[tuple[ast.AST, str]]:
        for node in cell.of_type(ast.Call, ast.Attribute, ast.Assign):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg in _VERIFY_KEYWORDS and _false(kw.value):
                        yield node, f"`{kw.arg}=False` turns off certificate checks"
                    elif kw.arg == "ssl" and _false(kw.value) and uses_aiohttp:
                        yield node, "`ssl=False` turns off aiohttp's certificate checks"
                    elif kw.arg == "cert_reqs" and isinstance(kw.value, ast.Constant) and kw.value.value == "CERT_NONE":
                        yield node, "`cert_reqs='CERT_NONE'` turns off certificate checks"
                name = nb.qualified(node.func) or ""
                if name.endswith("urllib3.disable_warnings") and _silences_insecure(nb, node):
                    yield node, "silencing InsecureRequestWarning hides requests made without certificate checks"
            elif isinstance(node, ast.Attribute):
                name = nb.qualified(node) or ""
                if name in _UNVERIFIED:
                    yield node, f"`{name}` makes a context that accepts any certificate"
                elif name == "ssl.CERT_NONE" and not isinstance(cell.parents.get(node), ast.Compare):
                    yield node, "`ssl.CERT_NONE` turns off certificate checks"
            elif isinstance(node, ast.Assign):
                yield from _assignments(node)


def _assignments(node: ast.Assign) -> Iterator[tuple[ast.AST, str]]:
    for target in node.targets:
        if isinstance(target, ast.Attribute) and _false(node.value):
            if target.attr == "check_hostname":
                yield node, "`check_hostname = False` accepts a certificate for any host"
            elif target.attr == "verify":
                yield node, "`.verify = False` turns off certificate checks for the whole session"
        elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
            key, value = target.slice.value, node.value
            off = _ENV_OFF.get(key) if isinstance(key, str) else None
            if off is not None and isinstance(value, ast.Constant) and value.value == off:
                yield node, f"`{key}={off!r}` turns off certificate checks for every request"


def _silences_insecure(nb: Analysis, call: ast.Call) -> bool:
    """`disable_warnings()` silences every urllib3 warning; with an argument, only the one it names."""
    if not call.args:
        return True
    return any("InsecureRequestWarning" in (nb.qualified(arg) or "") for arg in call.args)


def _insecure_command(command: str) -> str | None:
    words = command.split()
    if not words:
        return None
    tool = words[0].rsplit("/", 1)[-1]
    flags = words[1:]
    if tool == "curl" and any(f == "--insecure" or (f.startswith("-") and not f.startswith("--") and "k" in f)
                              for f in flags):  # fmt: skip
        return "`curl -k` turns off certificate checks"
    if tool == "wget" and "--no-check-certificate" in flags:
        return "`wget --no-check-certificate` turns off certificate checks"
    if tool == "git" and any(f.lower() == "http.sslverify=false" for f in flags):
        return "`git -c http.sslVerify=false` turns off certificate checks"
    return None
