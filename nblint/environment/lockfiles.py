"""Lock files and project metadata as requirement sets: PEP 751 `pylock.toml`, pyproject `[project]`."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from nblint.diagnostics import Location
from nblint.environment.pip_file import parse_text
from nblint.environment.requirement import Problem, Requirement, RequirementSet, normalize


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


def has_dependencies(path: Path) -> bool:
    data, _, _ = _toml(str(path))
    return bool(data.get("project", {}).get("dependencies"))


def read_pyproject(path: str) -> RequirementSet:
    """`[project] dependencies`, each located at its line in pyproject.toml."""
    data, text, problem = _toml(path)
    result = RequirementSet(files=[path], problems=[problem] if problem else [])
    for dep in data.get("project", {}).get("dependencies", []) or []:
        line = _line_of(text, f'"{dep}"') if f'"{dep}"' in text else _line_of(text, f"'{dep}'")
        parsed = parse_text(str(dep), path)
        for req in parsed.requirements:
            result.requirements.append(replace(req, location=Location(path, line, 1, len(str(dep)) + 3)))
        result.problems += [Problem(p.message, Location(path, line)) for p in parsed.problems]
    return result


def read_pylock(path: str) -> RequirementSet:
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
