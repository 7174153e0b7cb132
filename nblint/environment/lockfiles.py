"""Lock files and project metadata as requirement sets: PEP 751 `pylock.toml`, pyproject `[project]`.

`[project] dependencies` are what an image installs, so they are requirements every requirement rule
checks. Optional dependencies and PEP 735 dependency groups (`[dependency-groups]`) are declared too
(an import they provide is not undeclared), but they are ranges by design and only name packages.
"""

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
    """Does pyproject.toml declare any dependency: required, optional or in a dependency group?"""
    data, _, _ = _toml(str(path))
    return bool(data.get("project", {}).get("dependencies")) or bool(optional_names(str(path)))


def optional_names(path: str) -> frozenset[str]:
    """Normalised names of `[project.optional-dependencies]` and `[dependency-groups]` entries."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    data, _, _ = _toml(path)
    extras = data.get("project", {}).get("optional-dependencies", {})
    groups = data.get("dependency-groups", {})
    specs = [
        spec
        for table in (extras, groups)
        if isinstance(table, dict)
        for entries in table.values()
        if isinstance(entries, list)
        for spec in entries
        if isinstance(spec, str)  # a group's `{include-group = "..."}` names a group listed here anyway
    ]
    names = set()
    for spec in specs:
        try:
            names.add(normalize(Pep508(spec).name))
        except InvalidRequirement:
            continue
    return frozenset(names)


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
