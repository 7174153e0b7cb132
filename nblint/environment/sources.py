"""A notebook's declared environment: which requirement sources apply, and the merged set.

Order (the first that applies wins):
1. `--requirements FILE` or config `requirements-file`: that file alone.
2. config `requirements-sources` (the job spec's `requirementsSources`): paths relative to the
   project root, first existing one wins.
3. Auto-detection: `requirements.txt` in the notebook's folder, then in each parent folder up
   to the project root (the folder holding pyproject.toml or .git), all merged, nearest first;
   plus `pylock.toml` (PEP 751) and the root's pyproject.toml: `[project] dependencies` as
   requirements, optional dependencies and `[dependency-groups]` (PEP 735) as declared names.

A Dockerfile next to the notebook (or at the root) is reported too. Requirements win over it
unless `prefer-dockerfile` is set, mirroring the job spec's `preferDockerfile`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePath

from nblint.environment.lockfiles import has_dependencies, optional_names, read_pylock, read_pyproject
from nblint.environment.pip_file import parse_file
from nblint.environment.requirement import RequirementSet, normalize
from nblint.folders import once_per_run


@dataclass(frozen=True)
class Source:
    """A file that declares the notebook's requirements, and why it applies."""

    path: str
    kind: str  # "requirements", "pylock", "pyproject"
    reason: str


@dataclass
class Environment:
    """A notebook's declared environment: its requirement sources, the merged set and any Dockerfile."""

    notebook: str
    root: Path
    sources: list[Source] = field(default_factory=list)
    requirements: RequirementSet = field(default_factory=RequirementSet)
    dockerfile: str | None = None
    build_from: str = "requirements"  # or "dockerfile"
    optional: frozenset[str] = frozenset()  # pyproject extras and dependency groups: declared, not installed

    def declared_names(self) -> set[str]:
        """Every declared project name, optional dependencies and dependency groups included."""
        return {r.name for r in self.requirements.requirements if r.name} | self.optional

    def declared_among(self, specs: Iterable[str]) -> list[str]:
        """The project names, as written, of those PEP 508 specs that the requirements already declare."""
        from nblint.environment import pep508

        declared = self.declared_names()
        found = []
        for spec in specs:
            try:
                name = pep508.parse(spec).name
            except pep508.InvalidRequirement:
                continue
            if normalize(name) in declared:
                found.append(name)
        return found


@once_per_run
def project_root(start: Path) -> Path:
    start = start.resolve()
    for folder in [start, *start.parents]:
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return start


def display_path(path: Path) -> str:
    """Relative to the working directory when below it (as the user typed paths), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def discover(notebook: str, settings=None) -> Environment:
    nb_dir = Path(notebook).resolve().parent
    explicit = getattr(settings, "requirements_file", None)
    chain = tuple(getattr(settings, "requirements_sources", ()) or ())
    root, sources, dockerfile = _folder_sources(nb_dir, explicit, chain)
    env = Environment(notebook, root, list(sources), dockerfile=dockerfile)
    for source in env.sources:
        env.requirements.extend(_read(source.path, source.kind))
        if source.kind == "pyproject":
            env.optional = optional_names(source.path)
    if env.dockerfile and (getattr(settings, "prefer_dockerfile", False) or not env.sources):
        env.build_from = "dockerfile"
    return env


@once_per_run
def _folder_sources(nb_dir: Path, explicit: str | None, chain: tuple[str, ...]):
    """(project root, requirement sources, Dockerfile) for notebooks in `nb_dir`: the same for all of them."""
    root = project_root(nb_dir)
    sources = []
    if explicit:
        path = Path(explicit)
        sources.append(Source(display_path(path), "requirements", "given with --requirements / requirements-file"))
    elif chain:
        for candidate in chain:
            path = root / candidate
            if path.is_file():
                sources.append(Source(display_path(path), "requirements", "first entry of requirements-sources found"))
                break
    else:
        for folder in [nb_dir, *nb_dir.parents]:
            candidate = folder / "requirements.txt"
            if candidate.is_file():
                where = "next to the notebook" if folder == nb_dir else f"in parent folder {folder.name or folder}"
                sources.append(Source(display_path(candidate), "requirements", f"requirements.txt {where}"))
            if folder == root:
                break
        if (root / "pylock.toml").is_file():
            sources.append(Source(display_path(root / "pylock.toml"), "pylock", "pylock.toml at the project root"))
        if (root / "pyproject.toml").is_file() and has_dependencies(root / "pyproject.toml"):
            sources.append(
                Source(display_path(root / "pyproject.toml"), "pyproject", "pyproject.toml dependencies at the root")
            )
    dockerfile = next((display_path(f / "Dockerfile") for f in (nb_dir, root) if (f / "Dockerfile").is_file()), None)
    return root, tuple(sources), dockerfile


def _read(path: str, kind: str) -> RequirementSet:
    try:
        mtime = Path(path).stat().st_mtime_ns
    except (OSError, ValueError):  # missing, or a name the system refuses: parse_file reports it
        mtime = 0
    return _read_cached(path, kind, mtime)


@lru_cache(maxsize=256)
def _read_cached(path: str, kind: str, _mtime: int) -> RequirementSet:
    """Parsed once per process and file version: many notebooks share one requirements.txt."""
    if kind == "requirements":
        return parse_file(path)
    if kind == "pylock":
        return read_pylock(path)
    return read_pyproject(path)


def is_requirement_file(path: PurePath) -> bool:
    """A file that can declare a notebook's requirements, by its name: requirements*.txt / constraints*.txt
    (or .in), pylock.toml and pyproject.toml. The CLI, `--watch` and the language server all ask this."""
    name = path.name
    if name in ("pylock.toml", "pyproject.toml"):
        return True
    return name.startswith(("requirements", "constraints")) and path.suffix in (".txt", ".in")
