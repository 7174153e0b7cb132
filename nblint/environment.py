"""A notebook's declared environment: which requirement sources apply, and the merged set.

Order (the first that applies wins):
1. `--requirements FILE` or config `requirements-file`: that file alone.
2. config `requirements-sources` (the job spec's `requirementsSources`): paths relative to the
   project root, first existing one wins.
3. Auto-detection: `requirements.txt` in the notebook's folder, then in each parent folder up
   to the project root (the folder holding pyproject.toml or .git), all merged, nearest first;
   plus `pylock.toml` (PEP 751) and `[project] dependencies` of the root's pyproject.toml.

A Dockerfile next to the notebook (or at the root) is reported too. Requirements win over it
unless `prefer-dockerfile` is set, mirroring the job spec's `preferDockerfile`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nblint.reqfile import Location, Problem, Requirement, RequirementSet, normalize, parse_file, parse_text


@dataclass(frozen=True)
class Source:
    path: str
    kind: str  # "requirements", "pylock", "pyproject"
    reason: str


@dataclass
class Environment:
    notebook: str
    root: Path
    sources: list[Source] = field(default_factory=list)
    requirements: RequirementSet = field(default_factory=RequirementSet)
    dockerfile: str | None = None
    build_from: str = "requirements"  # or "dockerfile"

    def declared_names(self) -> set[str]:
        return {r.name for r in self.requirements.requirements if r.name}


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
    root = project_root(nb_dir)
    env = Environment(notebook, root)
    explicit = getattr(settings, "requirements_file", None)
    chain = getattr(settings, "requirements_sources", ()) or ()
    if explicit:
        path = Path(explicit)
        env.sources.append(Source(display_path(path), "requirements", "given with --requirements / requirements-file"))
    elif chain:
        for candidate in chain:
            path = root / candidate
            if path.is_file():
                env.sources.append(
                    Source(display_path(path), "requirements", "first entry of requirements-sources found")
                )
                break
    else:
        for folder in [nb_dir, *nb_dir.parents]:
            candidate = folder / "requirements.txt"
            if candidate.is_file():
                where = "next to the notebook" if folder == nb_dir else f"in parent folder {folder.name or folder}"
                env.sources.append(Source(display_path(candidate), "requirements", f"requirements.txt {where}"))
            if folder == root:
                break
        if (root / "pylock.toml").is_file():
            env.sources.append(Source(display_path(root / "pylock.toml"), "pylock", "pylock.toml at the project root"))
        if (root / "pyproject.toml").is_file() and _has_dependencies(root / "pyproject.toml"):
            env.sources.append(
                Source(display_path(root / "pyproject.toml"), "pyproject", "[project] dependencies at the root")
            )
    for source in env.sources:
        env.requirements.extend(_read(source.path, source.kind))
    for folder in (nb_dir, root):
        if (folder / "Dockerfile").is_file():
            env.dockerfile = display_path(folder / "Dockerfile")
            break
    if env.dockerfile and (getattr(settings, "prefer_dockerfile", False) or not env.sources):
        env.build_from = "dockerfile"
    return env


def _read(path: str, kind: str) -> RequirementSet:
    stat = Path(path).stat() if Path(path).exists() else None
    return _read_cached(path, kind, stat.st_mtime_ns if stat else 0)


@lru_cache(maxsize=256)
def _read_cached(path: str, kind: str, _mtime: int) -> RequirementSet:
    """Parsed once per process and file version: many notebooks share one requirements.txt."""
    if kind == "requirements":
        return parse_file(path)
    if kind == "pylock":
        return _read_pylock(path)
    return _read_pyproject(path)


def _toml(path: str) -> tuple[dict, str, Problem | None]:
    import tomllib

    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    try:
        return tomllib.loads(text), text, None
    except tomllib.TOMLDecodeError as exc:
        return {}, text, Problem(f"invalid TOML: {exc}", Location(path, 1))


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _has_dependencies(path: Path) -> bool:
    data, _, _ = _toml(str(path))
    return bool(data.get("project", {}).get("dependencies"))


def _read_pyproject(path: str) -> RequirementSet:
    data, text, problem = _toml(path)
    result = RequirementSet(files=[path], problems=[problem] if problem else [])
    for dep in data.get("project", {}).get("dependencies", []) or []:
        line = _line_of(text, f'"{dep}"') if f'"{dep}"' in text else _line_of(text, f"'{dep}'")
        parsed = parse_text(str(dep), path)
        for req in parsed.requirements:
            result.requirements.append(_relocate(req, Location(path, line, 1, len(str(dep)) + 3)))
        result.problems += [Problem(p.message, Location(path, line)) for p in parsed.problems]
    return result


def _read_pylock(path: str) -> RequirementSet:
    """PEP 751: every package is pinned by version, with hashes on its wheels and sdist."""
    data, text, problem = _toml(path)
    result = RequirementSet(files=[path], problems=[problem] if problem else [])
    for package in data.get("packages", []) or []:
        name, version = package.get("name"), package.get("version")
        if not name:
            continue
        hashes = []
        for artifact in [*(package.get("wheels") or []), package.get("sdist") or {}]:
            hashes += [f"{alg}:{digest}" for alg, digest in (artifact.get("hashes") or {}).items()]
        line = _line_of(text, re.sub(r"\s+", " ", f'name = "{name}"'))
        result.requirements.append(
            Requirement(
                f"{name}=={version}" if version else name,
                Location(path, line, 1, len(name) + 10),
                normalize(name),
                name,
                specifier=f"=={version}" if version else "",
                marker=package.get("marker"),
                hashes=tuple(hashes),
            )
        )
    return result


def _relocate(req: Requirement, location: Location) -> Requirement:
    from dataclasses import replace

    return replace(req, location=location)
