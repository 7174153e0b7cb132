"""Rules about how a notebook declares what it needs."""

from __future__ import annotations

import ast
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nblint.analysis.cells import CodeCell
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Append, Edit, Finding, Fix, Related, Span
from nblint.rule import Rule, example

_INSTALLERS = re.compile(
    r"(?:^|[;&|]\s*|\s)(?:(?:\S*python[\d.]*|\{sys\.executable\}|\$\{?PYTHON\}?)\s+-m\s+)?"
    r"(?P<tool>pip3?|conda|mamba|micromamba|uv\s+pip|poetry|pipenv)\s+(?:add|install)\b(?P<rest>.*)",
)
_SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "os.system",
        "os.popen",
    }
)


_OPTIONS_WITH_VALUE = frozenset(
    {"-r", "-c", "-e", "--requirement", "--constraint", "--editable", "-i", "--index-url", "--extra-index-url"}
    | {"-f", "--find-links", "--target", "-t", "--channel", "--prefix", "--root"}
)
_HARMLESS_OPTIONS = frozenset({"-q", "--quiet", "-U", "--upgrade", "--no-cache-dir", "--user", "-y", "--yes"})


@dataclass(frozen=True)
class Install:
    tool: str
    specs: tuple[str, ...]
    movable: bool  # plain pip specs only: nothing a requirements line could not say the same way


def parse_install(command: str) -> Install | None:
    """The packages an install command names, or None when it is not an install."""
    match = _INSTALLERS.search(command)
    if not match:
        return None
    try:
        words = shlex.split(match.group("rest"), posix=True)
    except ValueError:
        words = match.group("rest").split()
    specs, skip, movable = [], False, True
    for word in words:
        if word in {"&&", "||", ";", "|"}:
            movable = False
            break
        if skip:
            skip = False
        elif word in _OPTIONS_WITH_VALUE:
            skip, movable = True, False
        elif word.startswith("-"):
            movable = movable and word in _HARMLESS_OPTIONS
        else:
            specs.append(word)
            movable = movable and "/" not in word and not word.startswith((".", "{", "$"))
    tool = " ".join(match.group("tool").split())
    return Install(tool, tuple(specs), movable and bool(specs) and tool in {"pip", "pip3", "uv pip"})


class InlineInstall(Rule):
    code = "NB601"
    name = "inline-install"
    summary = "A cell installs packages instead of declaring them"
    why = (
        "`!pip install pandas` in a cell installs whatever version is newest today, into whichever "
        "environment the kernel happens to run in. The validation image and production never see it, "
        "so the notebook passes on your laptop and fails, or behaves differently, everywhere else."
    )
    how_to_fix = (
        "Move the packages, pinned, into the notebook's requirements.txt (`pandas==2.2.3`) and delete "
        "the install cell. The environment is then built once, the same for validation and production."
    )
    fix_safety = (
        "Unsafe, applied only with `--fix --unsafe-fixes`: it deletes the install line and adds its packages "
        "to the requirements.txt next to the notebook, which changes a second file. Plain `pip install` lines "
        "only; installs with `-r`, `-e`, index options or conda are left for you."
    )
    bad = (
        example("!pip install pandas scikit-learn\nimport pandas as pd", at=((1, 1),), fixed=("import pandas as pd",)),
        example("%pip install -q xgboost==2.0.3", at=((1, 1),)),
        example("import sys\n!{sys.executable} -m pip install requests", at=((1, 2),)),
        example(
            "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'tqdm'])",
            at=((1, 2),),
        ),
        example("%%bash\nset -e\nconda install -y numpy", at=((1, 3),)),
        example("%conda install -c conda-forge geopandas", at=((1, 1),)),
    )
    good = (
        example("import pandas as pd"),
        example("!pip list\n!pip freeze > used.txt"),
        example("%pip show pandas", files={"requirements.txt": "pandas==2.2.2\n"}),
        example("subprocess.run(['python', 'train.py'], check=True)"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for cell in nb.code_cells:
            for magic in cell.transformed.magics:
                if magic.kind == "cell" and not cell.is_python:
                    yield from self._script_body(cell, magic, nb)
                elif magic.kind in {"system", "line"}:
                    command = f"{magic.name} {magic.text}" if magic.kind == "line" else magic.text
                    install = parse_install(command)
                    if install:
                        fix = self._move_fix(nb, cell, magic, install)
                        yield self._finding(cell, magic.line, install, fix=fix, nb=nb)
            if cell.tree is not None:
                yield from self._subprocess_installs(cell, nb)

    def _script_body(self, cell: CodeCell, magic, nb: Analysis) -> Iterator[Finding]:
        if magic.name not in {"bash", "sh", "script", "system"}:
            return
        for offset, line in enumerate(cell.lines[magic.line :], start=magic.line + 1):
            install = parse_install(line)
            if install:
                yield self._finding(cell, offset, install, nb=nb)

    def _subprocess_installs(self, cell: CodeCell, nb: Analysis) -> Iterator[Finding]:
        for node in cell.nodes:
            if not isinstance(node, ast.Call) or nb.qualified(node.func) not in _SUBPROCESS or not node.args:
                continue
            words = _command_words(node.args[0])
            install = parse_install(" ".join(words)) if words else None
            if install:
                yield self._finding(cell, node.lineno, install, span=cell.span(node), nb=nb)

    def _finding(
        self, cell: CodeCell, line: int, install: Install, span=None, fix: Fix | None = None, nb: Analysis = None
    ) -> Finding:
        specs = install.specs
        what = ", ".join(f"`{s}`" for s in specs[:4]) + (" ..." if len(specs) > 4 else "") if specs else "packages"
        message = f"installs {what} at run time; declare them, pinned, in requirements.txt"
        declared = _already_declared(nb, specs) if nb is not None else []
        if declared and len(declared) == len(specs):
            message = f"installs {what} at run time, which the requirements already declare; delete this install"
        elif declared:
            message += f" ({', '.join(f'`{d}`' for d in declared)} already declared)"
        return Finding(message, cell.number, span or cell.line_span(line), fix=fix)

    @staticmethod
    def _move_fix(nb: Analysis, cell: CodeCell, magic, install: Install) -> Fix | None:
        """Unsafe: delete the install line and add its packages to requirements.txt next to the notebook."""
        line, lines = magic.line, cell.lines
        if not install.movable or lines[line - 1].rstrip().endswith("\\"):
            return None
        if line < len(lines):
            span = Span(line, 1, line + 1, 1)
        elif line > 1:
            span = Span(line - 1, len(lines[line - 2]) + 1, line, len(lines[line - 1]) + 1)
        else:
            span = Span(1, 1, 1, len(lines[0]) + 1)
        requirements = str(Path(nb.notebook.path).parent / "requirements.txt")
        return Fix(
            f"move {', '.join(install.specs)} to requirements.txt",
            (Edit(cell.number, span, ""),),
            safe=False,
            appends=(Append(requirements, install.specs),),
        )


def _already_declared(nb: Analysis, specs: tuple[str, ...]) -> list[str]:
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    from nblint.reqfile import normalize

    declared = nb.environment.declared_names()
    found = []
    for spec in specs:
        try:
            name = Pep508(spec).name
        except InvalidRequirement:
            continue
        if normalize(name) in declared:
            found.append(name)
    return found


def _command_words(node: ast.AST) -> list[str] | None:
    """The words of a command given as a string or a list, with unknown parts as placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{x}" for v in node.values).split()
    if isinstance(node, ast.List | ast.Tuple):
        return [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else "python" for e in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # [sys.executable, "-m", "pip", ...] + pkgs
        return _command_words(node.left)
    return None


_LAYERED = "-r base.txt\npandas==2.2.2\n"  # a notebook's file on top of a shared base


def _span(req_or_location) -> Span:
    loc = getattr(req_or_location, "location", req_or_location)
    return Span(loc.line, loc.column, loc.line, max(loc.end_column, loc.column + 1))


def _at(req, message: str, **kwargs) -> Finding:
    return Finding(message, None, _span(req), path=req.location.path, **kwargs)


def _rel(path: str) -> str:
    return Path(path).name


class InvalidRequirement(Rule):
    code = "NB600"
    name = "invalid-requirement"
    summary = "A requirements line that pip would reject or that cannot be followed"
    why = (
        "If pip cannot read a line, the image build fails, or worse, an `-r` file that is missing or "
        "includes itself leaves out packages without anyone noticing until a notebook imports them."
    )
    how_to_fix = (
        "Fix the line as the message says: a valid PEP 508 requirement (`name==1.2.3`, "
        '`name[extra]>=1; python_version >= "3.10"`, `name @ https://...`), an existing `-r` file, '
        "no include cycles, and only options pip allows in requirement files."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nscikit learn==1.5\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas", files={"requirements.txt": "-r base.txt\n", "base.txt": "-r requirements.txt\n"},
                at=(("base.txt", 1),)),
        example("import pandas", files={"requirements.txt": "-r missing.txt\npandas==2.2.2\n"},
                at=(("requirements.txt", 1),)),
    )  # fmt: skip
    good = (
        example(
            "import pandas",
            files={"requirements.txt": 'pandas[excel]==2.2.2 ; python_version >= "3.10"\n-r base.txt\n',
                   "base.txt": "numpy==1.26.4 \\\n    --hash=sha256:" + "a" * 64 + "\n"},
        ),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for problem in nb.environment.requirements.problems:
            yield _at(problem, problem.message)


class UnpinnedRequirement(Rule):
    code = "NB602"
    name = "unpinned-requirement"
    summary = "A requirement that does not pin one exact version"
    why = (
        "`pandas>=2.0` installs whatever is newest on the day the image is built. Your laptop, the "
        "validation run and production then run different code, and a release upstream can break a "
        "notebook nobody touched. Only `==` pins make the environment reproducible."
    )
    how_to_fix = (
        "Pin the version you tested with: `pandas==2.2.2` (see `pip freeze`), or pin through a `-c "
        "constraints.txt` file, or generate pins with pip-tools / uv (`uv pip compile`). A URL needs a "
        "`--hash`; a VCS URL needs a full commit id."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "pandas>=2.0\n"}, at=(("requirements.txt", 1),)),
        example("import numpy, requests",
                files={"requirements.txt": "numpy~=1.26\nrequests\n"},
                at=(("requirements.txt", 1), ("requirements.txt", 2))),
        example("import sklearn", files={"requirements.txt": "-r base.txt\n", "base.txt": "scikit-learn==1.*\n"},
                at=(("base.txt", 1),)),
    )  # fmt: skip
    good = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy===1.26.4\n"}),
        example("import pandas",
                files={"requirements.txt": "pandas>=2\n-c constraints.txt\n", "constraints.txt": "pandas==2.2.2\n"}),
        example("import pandas", files={"requirements.txt": 'pandas[excel]==2.2.2 ; sys_platform == "linux"\n'}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        reqs = nb.environment.requirements
        constrained = {c.name for c in reqs.constraints if c.pinned_version}
        for req in reqs.requirements:
            if req.pinned_version or req.name in constrained or _pinned_url(req):
                continue
            what = req.specifier or ("no version" if req.kind == "named" else f"a {req.kind} without a hash")
            yield _at(req, f"`{req.display_name}` is not pinned ({what}); pin it with `==`")


def _pinned_url(req) -> bool:
    if req.kind in {"url", "path"} and req.good_hashes:
        return True
    return req.kind == "vcs" and bool(re.search(r"@[0-9a-f]{40}(?:#|$)", req.url or ""))


class MissingHash(Rule):
    code = "NB603"
    name = "missing-hash"
    summary = "Hash-checking is on, and a requirement has no sha256/384/512 hash"
    why = (
        "With hashes, pip refuses any file whose content differs from what you vetted: a re-uploaded "
        "or tampered package fails the build instead of running in production. pip turns this on as "
        "soon as one requirement has a hash (or `--require-hashes` is given), and then every "
        "requirement needs one, `-r` files included. md5 and sha1 do not count."
    )
    how_to_fix = (
        "Generate hashes for the whole set: `pip-compile --generate-hashes` or `uv pip compile "
        "--generate-hashes`. Editable installs and local folders cannot be hashed: build a wheel instead."
    )
    bad = (
        example("import pandas, numpy",
                files={"requirements.txt": "pandas==2.2.2 --hash=sha256:" + "a" * 64 + "\nnumpy==1.26.4\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas", files={"requirements.txt": "--require-hashes\npandas==2.2.2\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas",
                files={"requirements.txt": "pandas==2.2.2 --hash=md5:0123456789abcdef0123456789abcdef\n"},
                at=(("requirements.txt", 1),)),
    )  # fmt: skip
    good = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy==1.26.4\n"}),
        example("import pandas",
                files={"requirements.txt": "pandas==2.2.2 --hash=sha256:" + "a" * 64 + "\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        reqs = nb.environment.requirements
        settings_demand = getattr(nb.settings, "verify_hashes", None)
        demanded = reqs.require_hashes or any(r.hashes for r in reqs.requirements)
        if settings_demand is not None:
            demanded = settings_demand
        elif nb.level == "production":
            demanded = True
        if not demanded:
            return
        for req in reqs.requirements:
            if req.good_hashes:
                continue
            if req.editable or (req.kind == "path" and not _archive(req)):
                yield _at(req, f"`{req.display_name}` is editable or a folder and cannot be hashed; build a wheel")
            elif req.hashes:
                yield _at(req, f"`{req.display_name}` has only md5/sha1 hashes; pip needs sha256, sha384 or sha512")
            else:
                yield _at(req, f"`{req.display_name}` has no hash, but hash-checking is on for this set")


def _archive(req) -> bool:
    return bool(re.search(r"\.(whl|tar\.gz|zip)$", req.url or ""))


class ConflictingRequirement(Rule):
    code = "NB604"
    name = "conflicting-requirement"
    summary = "The same package is pinned to versions that cannot both hold"
    why = (
        "`pandas==2.2.2` in one file and `pandas==1.5.3` in another cannot both be installed: pip "
        "either fails the build or installs one of them, and which one depends on file order. The "
        "notebook then runs against a version nobody chose."
    )
    how_to_fix = (
        "Keep one pin per package across the notebook's requirement files, ideally in the file closest "
        "to the notebook. Pins under markers that never hold together (`sys_platform == 'win32'` and "
        "`sys_platform == 'linux'`) are fine."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nPandas==1.5.3\n"},
                at=(("requirements.txt", 2),)),
        example("import sklearn", files={"requirements.txt": "-r base.txt\nScikit_Learn==1.5.0\n",
                                         "base.txt": "scikit-learn==1.4.2\n"},
                at=(("requirements.txt", 2),)),
        example("import numpy", files={"requirements.txt": "numpy==2.0.1\nnumpy<2\n"}, at=(("requirements.txt", 2),)),
    )  # fmt: skip
    good = (
        example("import numpy",
                files={"requirements.txt": 'numpy==1.26.4 ; python_version < "3.12"\n'
                                           'numpy==2.1.0 ; python_version >= "3.12"\n'}),
        example("import pandas", files={"requirements.txt": _LAYERED, "base.txt": "pandas==2.2.2\n"}),
        example("import numpy", files={"requirements.txt": "numpy==1.26.4\nnumpy>=1.20\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        seen: dict[str, list] = {}
        for req in nb.environment.requirements.requirements:
            if not req.name:
                continue
            for earlier in seen.get(req.name, []):
                if _conflict(earlier, req):
                    where = f"{_rel(earlier.location.path)}:{earlier.location.line}"
                    related = (Related(f"`{earlier.text}` is here", None, _span(earlier), earlier.location.path),)
                    yield _at(req, f"`{req.text}` conflicts with `{earlier.text}` ({where})", related=related)
                    break
            seen.setdefault(req.name, []).append(req)


def _conflict(a, b) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not _markers_overlap(a.marker, b.marker):
        return False
    try:
        for pinned, other in ((a, b), (b, a)):
            if pinned.pinned_version and not SpecifierSet(other.specifier).contains(
                pinned.pinned_version, prereleases=True
            ):
                return True
    except InvalidSpecifier:
        return False
    return False


_SAMPLE_ENVIRONMENTS = [
    {"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0", "sys_platform": platform,
     "platform_system": system, "os_name": os_name, "platform_machine": machine, "implementation_name": "cpython",
     "platform_python_implementation": "CPython"}
    for minor in range(8, 15)
    for platform, system, os_name in (
        ("linux", "Linux", "posix"), ("darwin", "Darwin", "posix"), ("win32", "Windows", "nt")
    )
    for machine in ("x86_64", "aarch64")
]  # fmt: skip


def _markers_overlap(a: str | None, b: str | None) -> bool:
    """Could both markers hold on one machine? Checked over a grid of common environments."""
    if not a or not b:
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison

    try:
        first, second = Marker(a), Marker(b)
        return any(first.evaluate(env) and second.evaluate(env) for env in _SAMPLE_ENVIRONMENTS)
    except (InvalidMarker, UndefinedComparison):
        return True


class DuplicateRequirement(Rule):
    code = "NB605"
    name = "duplicate-requirement"
    summary = "The same requirement is declared twice"
    why = (
        "A second identical line adds nothing, and when one copy is later bumped and the other is not, "
        "it becomes a conflict."
    )
    how_to_fix = "Delete one of the two lines; keep the pin in the file closest to the notebook."
    bad = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy==1.26.4\npandas==2.2.2\n"},
                at=(("requirements.txt", 3),)),
        example("import pandas", files={"requirements.txt": "pandas[excel]==2.2.2\npandas[parquet]==2.2.2\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas", files={"requirements.txt": _LAYERED, "base.txt": "pandas==2.2.2\n"},
                at=(("requirements.txt", 2),)),
    )  # fmt: skip
    good = (example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy==1.26.4\n"}),)

    def check(self, nb: Analysis) -> Iterator[Finding]:
        seen: dict[tuple, object] = {}
        for req in nb.environment.requirements.requirements:
            key = (req.name or req.url, req.specifier, req.marker)
            if key in seen:
                first = seen[key]
                where = f"{_rel(first.location.path)}:{first.location.line}"
                yield _at(req, f"`{req.display_name}{req.specifier}` is already declared at {where}")
            else:
                seen[key] = req


class UndeclaredImport(Rule):
    code = "NB606"
    name = "undeclared-import"
    summary = "The notebook imports a third-party package its requirements do not declare"
    why = (
        "If a package is only on your machine, or only arrives as a dependency of something else, the "
        "image built from the requirements either lacks it (ImportError in production) or gets "
        "whatever version that other package happens to pull in."
    )
    how_to_fix = (
        "Add the distribution, pinned, to the notebook's requirements.txt. The import name is not always "
        "the package name: `sklearn` is `scikit-learn`, `cv2` is `opencv-python`, `yaml` is `PyYAML`."
    )
    bad = (
        example("import pandas as pd\nimport sklearn", files={"requirements.txt": "pandas==2.2.2\n"}, at=((1, 2),)),
        example("from yaml import safe_load", files={"requirements.txt": "pandas==2.2.2\n"}, at=((1, 1),)),
        example("def load():\n    import requests\n    return requests", at=((1, 2),)),
        example("import importlib\nplt = importlib.import_module('matplotlib.pyplot')",
                files={"requirements.txt": "numpy==1.26.4\n"}, at=((1, 2),)),
    )  # fmt: skip
    good = (
        example("import os, json\nimport sklearn\nfrom PIL import Image",
                files={"requirements.txt": "scikit-learn==1.5.0\nPillow==10.4.0\n"}),
        example("import helpers\nfrom mypkg import util", files={"helpers.py": "X = 1\n", "mypkg/__init__.py": ""}),
        example("try:\n    import torch\nexcept ImportError:\n    torch = None"),
        example("from . import sibling\nimport IPython"),
        example("import sys\nsys.path.insert(0, '../utils')\nfrom validation_helpers import check_all",
                files={"requirements.txt": "pandas==2.2.2\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        from nblint.distributions import KERNEL_PROVIDED, dists_for_import, known_third_party

        env = nb.environment
        declared = env.declared_names()
        local = _local_modules(Path(nb.notebook.path).resolve().parent, env.root)
        # With sys.path extended at run time, an unknown module is as likely a helper next to the notebook.
        only_known = _extends_sys_path(nb)
        reported: set[str] = set()
        for cell, node, module in _imports(nb):
            top = module.split(".")[0]
            if top in reported or top in sys.stdlib_module_names or top in local or top in KERNEL_PROVIDED:
                continue
            if dists_for_import(top) & declared or (only_known and not known_third_party(top)):
                continue
            reported.add(top)
            where = "its requirements" if env.sources else "any requirements file (none was found)"
            yield Finding(f"`{top}` is imported but not declared in {where}", cell.number, cell.span(node))


def _extends_sys_path(nb: Analysis) -> bool:
    for cell in nb.python_cells:
        for node in cell.nodes:
            if isinstance(node, ast.Call):
                name = nb.qualified(node.func) or ""
                if name in {"sys.path.insert", "sys.path.append", "sys.path.extend", "site.addsitedir"}:
                    return True
    return False


def _imports(nb: Analysis, optional: bool = False) -> list[tuple[CodeCell, ast.AST, str]]:
    """(cell, node, module) for every absolute import; optional ones (inside `except ImportError`) on request."""
    found = nb.memo("imports", lambda nb: list(_find_imports(nb)))
    return [(cell, node, module) for cell, node, module, is_optional in found if optional or not is_optional]


def _find_imports(nb: Analysis):
    for cell in nb.python_cells:
        for node in cell.nodes:
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            elif isinstance(node, ast.Call) and nb.qualified(node.func) in {"importlib.import_module", "__import__"}:
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not arg.value.startswith("."):
                    modules = [arg.value]
            if modules:
                is_optional = _optional(cell, node)
                for module in modules:
                    yield cell, node, module, is_optional


def _optional(cell: CodeCell, node: ast.AST) -> bool:
    child = node
    for parent in cell.ancestors(node):
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                names = (
                    {getattr(t, "id", getattr(t, "attr", "")) for t in ast.walk(handler.type)}
                    if handler.type
                    else {"*"}
                )
                if names & {"ImportError", "ModuleNotFoundError", "Exception", "*"}:
                    return True
        child = parent
    return False


def _local_modules(*folders: Path) -> set[str]:
    names = set()
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and not entry.name.startswith("."):
                names.add(entry.name)
        if (folder / "src").is_dir():
            names |= {e.name for e in (folder / "src").iterdir() if e.is_dir()}
    return names


class UnusedRequirement(Rule):
    code = "NB607"
    name = "unused-requirement"
    per_notebook = True
    summary = "A declared package the notebook never imports"
    why = (
        "Every package in the image is build time, attack surface and a chance of conflict. A "
        "requirement nothing imports is often left over from an earlier version of the notebook."
    )
    how_to_fix = (
        "Remove it, unless it is needed without an import (a pandas engine such as `pyarrow` or "
        "`openpyxl`, a database driver, `ipykernel`): those are recognised and never reported."
    )
    bad = (
        example("import pandas as pd", files={"requirements.txt": "pandas==2.2.2\nrequests==2.32.3\n"},
                at=(("requirements.txt", 2),)),
        example("import numpy", files={"requirements.txt": "numpy==1.26.4\nscikit-learn==1.5.0\ntorch==2.3.0\n"},
                at=(("requirements.txt", 2), ("requirements.txt", 3))),
        example("import yaml", files={"requirements.txt": "PyYAML==6.0.1\nbeautifulsoup4==4.12.3\n"},
                at=(("requirements.txt", 2),)),
    )  # fmt: skip
    good = (
        example("import pandas as pd\nimport sklearn",
                files={"requirements.txt": "pandas==2.2.2\npyarrow==16.1.0\nscikit-learn==1.5.0\nipykernel==6.29.5\n"}),
        example("import pandas",
                files={"requirements.txt": "pandas==2.2.2\n    # via -r requirements.in\n"
                                           "python-dateutil==2.9.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"
                                           "    # via\n    #   pandas\n    #   jupyter-client\n"}),
        example("from bs4 import BeautifulSoup\nimport cv2",
                files={"requirements.txt": "beautifulsoup4==4.12.3\nopencv-python-headless==4.10.0.84\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        from nblint.distributions import RUNTIME_ONLY, imports_for_dist

        imported = {module.split(".")[0] for _, _, module in _imports(nb, optional=True)}
        for req in nb.environment.requirements.requirements:
            tooling = req.name.startswith(("pytest-", "types-")) or req.name.endswith("-stubs") if req.name else False
            if not req.name or req.name in RUNTIME_ONLY or tooling or req.kind == "path" or _pulled_in(req):
                continue
            if imports_for_dist(req.name) & imported:
                continue
            yield _at(req, f"`{req.display_name}` is declared but never imported by this notebook")


def _pulled_in(req) -> bool:
    """A lock-file entry another package needs (pip-compile's `# via pandas`), not a direct choice."""
    return bool(req.via) and not any(v.startswith(("-r", "-c")) for v in req.via)


class InsecureIndex(Rule):
    code = "NB608"
    name = "insecure-index"
    summary = "Packages may come from an unverified or untrusted place"
    why = (
        "`--trusted-host` and `http://` index URLs let anyone on the network path swap packages. "
        "`--extra-index-url` makes pip pick the highest version from *either* index, so a public "
        "package with your internal package's name wins: the classic dependency-confusion attack."
    )
    how_to_fix = (
        "Use one `--index-url https://...` that proxies both public and internal packages (Artifactory, "
        "Nexus, devpi), drop `--trusted-host`, and use https everywhere."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "--extra-index-url https://pypi.internal/simple\npandas==2.2.2\n"},
                at=(("requirements.txt", 1),)),
        example("import pandas",
                files={"requirements.txt": "--index-url http://mirror.local/simple\n--trusted-host mirror.local\n"},
                at=(("requirements.txt", 1), ("requirements.txt", 2))),
        example("import pandas", files={"requirements.txt": "-f http://files.local/wheels\npandas==2.2.2\n"},
                at=(("requirements.txt", 1),)),
    )  # fmt: skip
    good = (
        example("import pandas", files={"requirements.txt": "--index-url https://pypi.internal/simple\npandas==2.2.2\n"}),
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for option in nb.environment.requirements.options:
            value = option.value or ""
            if option.name == "--trusted-host":
                yield _at(option, f"`--trusted-host {value}` turns off TLS verification for that host")
            elif option.name in {"--index-url", "--extra-index-url", "--find-links"} and value.startswith("http://"):
                yield _at(option, f"`{option.name} {value}` is plain http: packages can be swapped in transit")
            elif option.name == "--extra-index-url":
                yield _at(option, f"`--extra-index-url {value}` opens the door to dependency confusion")
