"""`hardcoded-secret` (NB501): a credential written into the notebook."""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Iterator

from nblint.analysis.cells import CodeCell
from nblint.analysis.imports import dotted
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.rule import CellRule, example

# Formats with a recognisable prefix: reported wherever they appear.
_TOKEN_FORMATS = (
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Slack webhook", re.compile(r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}")),
    ("Stripe key", re.compile(r"\b[rs]k_live_[0-9A-Za-z]{20,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
)
# scheme://user:password@host, where the password is not a placeholder or template.
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@\s]+:(?P<pw>[^@/\s]+)@[^\s]+", re.I)

_SECRET_NAME = re.compile(
    r"pass(?:word|wd)?$|pwd|secret|token|api_?key|apikey|access_?key|private_?key|credential|auth_?key", re.I
)
_NOT_SECRET_NAME = re.compile(
    r"hash|sha\d*|md5|checksum|digest|_env|env_|_var$|_name$|_file$|_path$|_url$|tokeniz|_len|max_|num_|_id$", re.I
)
_PLACEHOLDER = re.compile(
    r"^(?:<.*>|\{.*\}|\$\{?.*\}?|x+|\*+|\.+|-+|your[_ -].*|.*changeme.*|.*placeholder.*|.*example.*|dummy.*"
    r"|test|none|null|todo|tbd|secret|password|token)$",
    re.I,
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _looks_secret(name: str, value: str) -> bool:
    """A literal assigned to a secret-sounding name that is not a placeholder, env var name or checksum."""
    if not _SECRET_NAME.search(name) or _NOT_SECRET_NAME.search(name):
        return False
    value = value.strip()
    if len(value) < 8 or " " in value or _PLACEHOLDER.match(value) or _ENV_NAME.match(value):
        return False
    if value.startswith(("http://", "https://", "/", "./", "~")) or "{" in value:
        return False
    if _HEX.match(value) and len(value) in (32, 40, 56, 64, 96, 128):
        return "key" in name.lower() or "token" in name.lower()  # a hex API key, not a checksum
    if re.search(r"pass|pwd", name, re.I):
        return True
    return len(value) >= 16 and _entropy(value) >= 3.0


class HardcodedSecret(CellRule):
    code = "NB501"
    name = "hardcoded-secret"
    security_severity = 7.5  # a leaked credential
    summary = "A credential is written into the notebook"
    why = (
        "A token, password or private key in a cell is in every copy of the notebook: in git history, "
        "in the HTML export, in the image built from it. Notebooks get shared far more than scripts. "
        "Deleting the cell later does not remove the secret from history: it has to be revoked."
    )
    how_to_fix = (
        "Revoke the credential, then read it at run time: `token = os.environ['API_TOKEN']`, a secrets "
        "manager, or a Kubernetes Secret mounted as a file. Keep `.env` files out of version control."
    )
    bad = (
        example("import boto3\ns3 = boto3.client('s3', aws_access_key_id='AKIAIOSFODNN7EXAMPLE')", at=((1, 2),)),
        example("API_TOKEN = 'ghp_x5Vq9dL2mN8rT4wY7zK1bC6fH3jP0sA9eG2u'", at=((1, 1),)),
        example("db_password = 'S3cure!Passw0rd'", at=((1, 1),)),
        example("engine = create_engine('postgresql://etl:hunter2secret@db.internal:5432/sales')", at=((1, 1),)),
        example("config = {'api_key': 'a8f5f167f44f4964e6c998dee827110c9a8b7e2d'}", at=((1, 1),)),
    )
    good = (
        example("import os\nAPI_TOKEN = os.environ['API_TOKEN']"),
        example("password = os.getenv('DB_PASSWORD')"),
        example("token_env = 'GITHUB_TOKEN'\ntoken = os.environ[token_env]"),
        example("expected_sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'"),
        example("api_key = '<your-api-key>'\npassword = 'changeme'"),
        example("engine = create_engine(f'postgresql://etl:{password}@db.internal/sales')"),
        example("tokenizer = AutoTokenizer.from_pretrained('bert-base-uncased')"),
    )

    def check_cell(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.of_type(ast.Constant):
            if not isinstance(node.value, str) or len(node.value) < 8:
                continue
            what = self._classify(cell, node)
            if what:
                yield Finding(
                    f"hardcoded {what}; read it from the environment or a secret store", cell.number, cell.span(node)
                )

    @staticmethod
    def _classify(cell: CodeCell, node: ast.Constant) -> str | None:
        value = node.value
        for label, pattern in _TOKEN_FORMATS:
            if pattern.search(value):
                return label
        match = _URL_PASSWORD.match(value)
        if match and not _PLACEHOLDER.match(match.group("pw")):
            return "password in a connection string"
        name = _bound_name(cell, node)
        if name and _looks_secret(name, value):
            return f"secret in `{name}`"
        return None


def _bound_name(cell: CodeCell, node: ast.AST) -> str | None:
    """The name a literal is given: assignment target, keyword argument or dict key."""
    parent = cell.parents.get(node)
    if isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        target = targets[0]
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
            return str(target.slice.value)
        return (dotted(target) or "").rsplit(".", 1)[-1] or None
    if isinstance(parent, ast.keyword):
        return parent.arg
    if isinstance(parent, ast.Dict) and node in parent.values:
        key = parent.keys[parent.values.index(node)]
        return str(key.value) if isinstance(key, ast.Constant) else None
    if isinstance(parent, ast.Compare):
        return None
    return None
