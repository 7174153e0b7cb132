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

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return {}, "", Problem(f"cannot read {path} ({exc.strerror or exc})", Location(path, 1))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 (byte 0x{data[exc.start]:02x}); TOML files must be UTF-8"
        return {}, "", Problem(message, Location(path, line))
    try:
        return tomllib.loads(text), text, None
    except tomllib.TOMLDecodeError as exc:
        return {}, text, Problem(f"invalid TOML: {exc}", Location(path, 1))


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


class _Shape:
    """Reads a TOML document whose shape nothing guarantees: a value of the wrong type is a Problem
    (at the key's line) and reads as empty, so the rest of the file still counts."""

    def __init__(self, path: str, text: str, problems: list[Problem]) -> None:
        self.path, self.text, self.problems = path, text, problems

    def get(self, table: dict, key: str, kind: type, where: str, default=None):
        value = table.get(key)
        if value is None or isinstance(value, kind):
            return default if value is None else value
        expected = {dict: "a table", list: "an array", str: "a string"}[kind]
        message = f"`{where}` must be {expected}, not {_toml_type(value)}"
        self.problems.append(Problem(message, Location(self.path, _line_of(self.text, key))))
        return default


def _toml_type(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), "a date or time")


def has_dependencies(path: Path) -> bool:
    """Does pyproject.toml declare any dependency: required, optional or in a dependency group?"""
    data, _, _ = _toml(str(path))
    project = data.get("project")
    return (isinstance(project, dict) and bool(project.get("dependencies"))) or bool(optional_names(str(path)))


def optional_names(path: str) -> frozenset[str]:
    """Normalised names of `[project.optional-dependencies]` and `[dependency-groups]` entries."""
    from nblint.environment import pep508

    data, _, _ = _toml(path)
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    extras = project.get("optional-dependencies", {})
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
            names.add(normalize(pep508.parse(spec).name))
        except pep508.InvalidRequirement:
            continue
    return frozenset(names)


def read_pyproject(path: str) -> RequirementSet:
    """`[project] dependencies`, each located at its line in pyproject.toml."""
    data, text, problem = _toml(path)
    result = RequirementSet(files=[path], problems=[problem] if problem else [])
    shape = _Shape(path, text, result.problems)
    project = shape.get(data, "project", dict, "project", {})
    for dep in shape.get(project, "dependencies", list, "project.dependencies", []):
        if not isinstance(dep, str):
            where = Location(path, _line_of(text, "dependencies"))
            result.problems.append(Problem(f"`project.dependencies` holds {_toml_type(dep)}, not a string", where))
            continue
        line = _line_of(text, f'"{dep}"') if f'"{dep}"' in text else _line_of(text, f"'{dep}'")
        parsed = parse_text(dep, path)
        for req in parsed.requirements:
            result.requirements.append(replace(req, location=Location(path, line, 1, len(dep) + 3)))
        result.problems += [Problem(p.message, Location(path, line)) for p in parsed.problems]
    return result


def read_pylock(path: str) -> RequirementSet:
    """PEP 751: every package is pinned by version, with hashes on its wheels and sdist."""
    data, text, problem = _toml(path)
    result = RequirementSet(files=[path], problems=[problem] if problem else [])
    shape = _Shape(path, text, result.problems)
    for package in shape.get(data, "packages", list, "packages", []):
        if not isinstance(package, dict):
            where = Location(path, _line_of(text, "packages"))
            result.problems.append(Problem(f"`packages` holds {_toml_type(package)}, not a table", where))
            continue
        name = shape.get(package, "name", str, "packages.name")
        version = shape.get(package, "version", str, "packages.version")
        if not name:
            continue
        hashes = []
        wheels = shape.get(package, "wheels", list, "packages.wheels", [])
        sdist = shape.get(package, "sdist", dict, "packages.sdist", {})
        for artifact in [*wheels, sdist]:
            if not isinstance(artifact, dict):
                where = Location(path, _line_of(text, "wheels"))
                result.problems.append(Problem(f"`packages.wheels` holds {_toml_type(artifact)}, not a table", where))
                continue
            digests = shape.get(artifact, "hashes", dict, "hashes", {})
            hashes += [f"{alg}:{digest}" for alg, digest in digests.items() if isinstance(digest, str)]
        line = _line_of(text, re.sub(r"\s+", " ", f'name = "{name}"'))
        result.requirements.append(
            Requirement(
                f"{name}=={version}" if version else name,
                Location(path, line, 1, len(name) + 10),
                normalize(name),
                name,
                specifier=f"=={version}" if version else "",
                marker=shape.get(package, "marker", str, "packages.marker"),
                hashes=tuple(hashes),
            )
        )
    return result
