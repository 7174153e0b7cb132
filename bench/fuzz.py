"""Generated notebooks and requirement files against nblint's contract (issue 12).

    python bench/fuzz.py --count 10000 [--seed 1] [--family notebooks|requirements|all]

Each input is linted in-process with `--fix` (and `--unsafe-fixes` for requirement files). The
contract: no exception escapes; a file error is one line naming the file; a fixed notebook is
still read by nbformat when the original was, and every cell the fixes did not change is exactly
as it was; a requirements file is only appended to. Prints the counts and the first failures.
The test suite runs the same generators, fewer of them (tests/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

SNIPPETS = [
    "assert (x, 'msg')",
    "assert (\n    x > 0,\n    'm',\n)",
    "assert 'always'",
    "x = 1",
    "import pandas as pd",
    "df = pd.read_csv('/home/ana/data.csv')",
    "%pip install requests",
    "!pip install -q numpy==1.26.4",
    "if True:\n    %pip install tqdm",
    "for i in r:\n    !pip install six\n",
    "try:\n    run()\nexcept Exception:\n    pass",
    "import sys\nif errors:\n    sys.exit(0)",
    "api_password = 'S3cure!Passw0rd'",
    "print(later)",
    "later = 2",
    "from helpers import *",
    "%run other.ipynb",
    "%%bash\npip install x",
    "%%time\nassert (y, 'z')",
    "def f(x):\n    return x * w",
    "f(2)",
    "import warnings\nwarnings.filterwarnings('ignore')",
    "x = !ls",
    "obj?",
    "def g() -> None:\n    if not ok:\n        return None\n    return 1",
    "s = 'caf\u00e9 \u2028 \U0001f600'",
    "# nblint: disable=ineffective-assertion\nassert (a, 'b')",
    "x = 1  # nblint: disable=nonexistent-rule",
    "lambda: (yield)",
    "async def h():\n    await z",
    "match p:\n    case {'a': b, **rest}:\n        pass",
    "x = [y for y in z if (w := y)]",
    "def broken(:\n    pass",
    "\x00",
    "\t\tbad indent",
]


def _deep(rng: random.Random) -> str:
    n = rng.choice([50, 400, 1200])
    return rng.choice(
        [
            "x = " + "+".join(["1"] * n),
            "y = " + " if c else ".join(["a"] * n),
            "z = " + "not " * n + "q",
            "w = a" + ".b" * n + "()" * (n // 4),
            "f = " + "lambda: " * (n // 3) + "q",
            "if a:\n    pass\n" + "elif b:\n    pass\n" * n,
            "assert (" + "+".join(["1"] * n) + ", 'm')",
            "t = " + "(" * 150 + "1" + ")" * 150,
            "def h():\n    try:\n        run()\n    except Exception:\n        return " + "+".join(["1"] * n),
            "p = f'/home/ana/{" + "+".join(["1"] * n) + "}'",
            "try:\n    run()\nexcept Exception:\n    print('x', file=" + "+".join(["e"] * n) + ")",
        ]
    )


def _json_value(rng: random.Random, depth: int = 0):
    kinds = ["null", "int", "str", "list", "dict", "bool", "float"]
    kind = rng.choice(kinds if depth < 3 else kinds[:3])
    if kind == "list":
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        keys = ["disable", "nblint", "expect", "name", "text", "x"]
        return {rng.choice(keys): _json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return {
        "null": None,
        "int": rng.randint(-5, 5),
        "str": rng.choice(["all", "x", "\ud83d", ""]),
        "bool": True,
        "float": 1.5,
    }[kind]


def _source(rng: random.Random) -> str:
    parts = [rng.choice(SNIPPETS) if rng.random() > 0.1 else _deep(rng) for _ in range(rng.randint(0, 4))]
    text = "\n".join(parts)
    if rng.random() < 0.1:
        text = text.replace("x", rng.choice(["\ud83d", "\udc80"]))
    newline = rng.choice(["\n", "\n", "\r\n", "\r"])
    return text.replace("\n", newline)


def _output(rng: random.Random):
    kind = rng.random()
    if kind < 0.4:
        text = ["Traceback (most recent call last):\n", "KeyError: 'x'\n"]
        if rng.random() < 0.5:
            text.insert(1, rng.choice([None, 3, ["x"], {}]))
        return {"output_type": "stream", "name": rng.choice(["stderr", "stdout", None]), "text": text}
    if kind < 0.7:
        return {"output_type": "error", "ename": _json_value(rng), "evalue": _json_value(rng), "traceback": []}
    return _json_value(rng)


def _cell(rng: random.Random, index: int):
    if rng.random() < 0.03:
        return _json_value(rng)
    cell_type = rng.choice(["code"] * 6 + ["markdown", "raw", "weird"])
    source = _source(rng)
    cell: dict = {"cell_type": cell_type, "metadata": {}}
    form = rng.random()
    if form < 0.45:
        cell["source"] = source
    elif form < 0.95:
        lines = source.splitlines(keepends=True)
        if rng.random() < 0.05:
            lines.insert(0, rng.choice([None, 5, ["x"]]))
        cell["source"] = lines
    if rng.random() < 0.3:
        cell["metadata"] = rng.choice(
            [{"nblint": _json_value(rng)}, {"nblint": {"disable": _json_value(rng)}}, _json_value(rng)]
        )
    if cell_type == "code":
        cell["outputs"] = [_output(rng) for _ in range(rng.randint(0, 2))]
        cell["execution_count"] = rng.choice([None, index, 10 - index, "3"])
    if rng.random() < 0.7:
        cell["id"] = f"c{index}"
    return cell


def notebook_bytes(rng: random.Random) -> bytes:
    """One generated .ipynb file: mostly well-formed, with wrong types, odd text and odd layout."""
    doc = {
        "cells": [_cell(rng, i) for i in range(rng.randint(0, 7))],
        "metadata": rng.choice(
            [{}, {"kernelspec": {"language": "python"}}, {"language_info": _json_value(rng)}, _json_value(rng)]
        ),
        "nbformat": rng.choice([4] * 20 + [3, 5, "4"]),
        "nbformat_minor": rng.choice([4, 5]),
    }
    text = json.dumps(
        doc, indent=rng.choice([None, 1, 2]), ensure_ascii=rng.random() < 0.3, sort_keys=rng.random() < 0.5
    )
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8", "surrogatepass")
    if b"\xed" in data:  # raw surrogates cannot be in a UTF-8 file; JSON escapes them
        data = json.dumps(doc, ensure_ascii=True).encode()
    if rng.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    if rng.random() < 0.03:
        cut = rng.randrange(len(data) + 1)
        data = data[:cut] + bytes([rng.randrange(256)]) + data[cut + 1 :]
    return data


REQUIREMENT_LINES = [
    "pandas==2.2.2",
    "numpy>=1.26",
    "requests",
    "Scikit_Learn==1.5.0",
    "pandas==1.5.3",
    "-r other.txt",
    "-r loop.txt",
    "-c constraints.txt",
    "-r missing.txt",
    "-r " + "a" * 300 + ".txt",
    "-r https://x.invalid/r.txt",
    "--require-hashes",
    "-i https://pypi.org/simple",
    "--index-url http://insecure.invalid/simple",
    "torch==2.3.0 --hash=sha256:" + "a" * 64,
    "./local/pkg",
    "git+https://github.com/a/b@" + "0" * 40 + "#egg=b",
    "-e .",
    "name @ https://x.invalid/p.whl",
    "pkg ; python_version < '3.9'",
    "bad spec ===",
    "  # comment",
    "x==1 \\",
    "${HOME}/pkg",
    "-r",
    "--bogus",
    "caf\xe9==1.0",
    "-r 'unterminated",
]


def requirement_project(rng: random.Random, folder: Path) -> Path:
    """A project folder: requirement files (includes, loops, odd bytes), maybe TOML files, and a notebook."""
    (folder / "pyproject.toml").write_bytes(
        rng.choice(
            [
                b"[project]\nname = 'x'\n",
                b"project = [1]\n",
                b"[project]\ndependencies = 5\n",
                b'tool = "x"\n',
                b"[project]\ndependencies = ['pandas==2.2.2', 3]\n",
                b"[tool.nblint]\nlevel = 'production'\n",
                b"\xe9 = 1\n",
            ]
        )
    )
    names = ["requirements.txt", "other.txt", "constraints.txt"]
    for name in names:
        lines = [rng.choice(REQUIREMENT_LINES) for _ in range(rng.randint(0, 6))]
        newline = rng.choice(["\n", "\r\n", "\r"])
        data = newline.join(lines).encode(rng.choice(["utf-8", "latin-1"]))
        if rng.random() < 0.5:
            data += newline.encode()
        if rng.random() < 0.05:
            data = b"# " + b"x" * 4200 + b"\n-r a\x00b.txt\n" + data
        (folder / name).write_bytes(data)
    if rng.random() < 0.3:
        (folder / "loop.txt").symlink_to("loop.txt")
    if rng.random() < 0.3:
        (folder / "pylock.toml").write_text(
            rng.choice(
                [
                    'packages = ["pandas"]',
                    'packages = [{name = "p", wheels = "x"}]',
                    "packages = 1",
                    'packages = [{name = "pandas", version = "2.2.2", sdist = {hashes = {sha256 = "ab"}}}]',
                    "lock-version = [",
                    'packages = [{name = "p", sdist = [1]}]',
                ]
            )
        )
    if rng.random() < 0.1:
        chain = rng.choice([150, 1200])
        (folder / "requirements.txt").write_text("-r d0.txt\n")
        for i in range(chain):
            (folder / f"d{i}.txt").write_text(f"-r d{i + 1}.txt\n")
    source = rng.choice(
        ["!pip install pandas==2.2.2\nimport pandas", "if x:\n    %pip install numpy", "import sklearn"]
    )
    nb = folder / "nb.ipynb"
    nb.write_text(
        json.dumps(
            {
                "cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []}],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    return nb


def check_notebook(path: Path, original: bytes) -> list[str]:
    """Lint with --fix in-process; the broken promises, as sentences (empty: the contract holds)."""
    from nblint.config import Settings
    from nblint.engine import lint_path

    problems = _run(lambda: lint_path(str(path), Settings(), fix=True))
    if isinstance(problems, list):
        return problems
    result = problems
    if result.status == "error":
        return _one_line(result.message, path)
    after = path.read_bytes()
    return _untouched(original, after) if after != original else []


def _run(call):
    try:
        return call()
    except Exception:  # the contract says none may escape
        return [traceback.format_exc(limit=-8)]


def _one_line(message: str | None, path: Path) -> list[str]:
    if not message or "\n" in message or path.name not in message:
        return [f"error message is not one line naming the file: {message!r}"]
    return []


def _untouched(original: bytes, after: bytes) -> list[str]:
    import nbformat

    before_doc, after_doc = json.loads(original.decode("utf-8-sig")), json.loads(after.decode("utf-8-sig"))
    problems = []
    try:
        nbformat.reads(original.decode("utf-8-sig"), as_version=4)
        readable = True
    except Exception:
        readable = False
    if readable:
        try:
            nbformat.reads(after.decode("utf-8-sig"), as_version=4)
        except Exception as exc:
            problems.append(f"nbformat cannot read the fixed notebook: {exc}")
    if original.startswith(b"\xef\xbb\xbf") != after.startswith(b"\xef\xbb\xbf"):
        problems.append("the BOM changed")
    old_cells, new_cells = before_doc["cells"], after_doc["cells"]
    if len(old_cells) != len(new_cells):
        return [*problems, "the number of cells changed"]
    for number, (old, new) in enumerate(zip(old_cells, new_cells, strict=True), start=1):
        changed = {k for k in {*old, *new} if old.get(k) != new.get(k)}
        if changed - {"source"}:
            problems.append(f"cell {number}: fixes changed {sorted(changed - {'source'})}")
    if {k: v for k, v in before_doc.items() if k != "cells"} != {k: v for k, v in after_doc.items() if k != "cells"}:
        problems.append("notebook metadata changed")
    return problems


def check_requirements(folder: Path) -> list[str]:
    from nblint.config import Settings
    from nblint.engine import lint_path
    from nblint.environment.sources import discover

    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.is_symlink()}
    outcome = _run(
        lambda: (
            discover(str(folder / "nb.ipynb")),
            lint_path(str(folder / "nb.ipynb"), Settings(), fix=True, unsafe=True),
        )[1]
    )
    if isinstance(outcome, list):
        return outcome
    problems = _one_line(outcome.message, folder / "nb.ipynb") if outcome.status == "error" else []
    for name, data in before.items():
        now = (folder / name).read_bytes()
        if name != "nb.ipynb" and now != data and not now.startswith(data):
            problems.append(f"{name} was rewritten, not appended to")
    return problems


_SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None  # thousands of small files: keep them in memory


def campaign(family: str, count: int, seed: int) -> tuple[int, list[tuple[int, str]]]:
    import os

    os.fsync = lambda fd: None  # durability costs ~100 ms a write on this disk and is not under test here
    failures = []
    for i in range(count):
        rng = random.Random(f"{seed}-{family}-{i}")
        folder = Path(tempfile.mkdtemp(prefix="nblint-fuzz-", dir=_SCRATCH))
        try:
            if family == "notebooks":
                data = notebook_bytes(rng)
                path = folder / "nb.ipynb"
                path.write_bytes(data)
                found = check_notebook(path, data)
            else:
                requirement_project(rng, folder)
                found = check_requirements(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        failures += [(i, f) for f in found]
    return count, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="inputs per family")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--family", choices=["notebooks", "requirements", "all"], default="all")
    args = parser.parse_args()
    families = ["notebooks", "requirements"] if args.family == "all" else [args.family]
    status = 0
    for family in families:
        count, failures = campaign(family, args.count, args.seed)
        print(f"{family}: {count} inputs, {len(failures)} failures")
        for index, failure in failures[:10]:
            print(f"  input {index}: {failure.strip().splitlines()[-1]}")
        status |= bool(failures)
    return status


if __name__ == "__main__":
    sys.exit(main())
