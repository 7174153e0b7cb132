"""pip requirements files, read the way pip reads them.

The steps follow pip's own `req_file.py`: join backslash continuations first
(a comment line ends a continuation), then strip comments, expand `${VAR}`
from the environment, split a line into the requirement and its options, and
follow `-r` / `-c` relative to the including file. Names, specifiers, extras
and markers are PEP 503/508's (nblint/environment/pep508.py). Nothing here raises on bad
input: every problem is a `Problem` with a file and line.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from nblint.diagnostics import Location
from nblint.environment import pep508
from nblint.environment.requirement import URL_SCHEME, GlobalOption, Problem, Requirement, RequirementSet, normalize

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)\}")
_ARCHIVE = re.compile(r"\.(?:whl|tar\.gz|tgz|zip|tar\.bz2)$", re.I)

# Options pip accepts on a line of its own; `--hash` and `--config-settings` belong to a requirement.
_GLOBAL_WITH_VALUE = {
    "-i": "--index-url", "--index-url": "--index-url", "--extra-index-url": "--extra-index-url",
    "-f": "--find-links", "--find-links": "--find-links", "--trusted-host": "--trusted-host",
    "--no-binary": "--no-binary", "--only-binary": "--only-binary", "--use-feature": "--use-feature",
}  # fmt: skip
_GLOBAL_FLAGS = {"--no-index", "--require-hashes", "--pre", "--prefer-binary"}
_PER_REQUIREMENT = {"--hash", "--config-settings", "--global-option", "--install-option"}


MAX_INCLUDE_DEPTH = 100  # pip has no limit; a chain this deep is a mistake, and the walk must end


def parse_file(path: str | Path, constraint: bool = False) -> RequirementSet:
    """A requirements file and every file it includes with `-r` / `-c`, in pip's order.

    The includes are walked with an explicit stack, at most MAX_INCLUDE_DEPTH deep: a chain of a
    thousand files, a loop or a file included twice never recurses. A file included again (not in
    a loop) is read once.
    """
    result = RequirementSet()
    read: set[tuple[Path, bool]] = set()
    # Each frame: the file, whether it is a constraints file, the chain of files that led to it
    # (for loops and depth), and its remaining logical lines.
    stack = [_open(Path(path), constraint, (), result)]
    while stack:
        frame = stack[-1]
        entry = next(frame.lines, None) if frame.lines is not None else None
        if entry is None:
            stack.pop()
            continue
        line_number, line = entry
        where = Location(str(frame.path), line_number, 1, len(line) + 1)
        include = _parse_line(line, where, frame.constraint, result)
        if include is None:
            continue
        target, include_constraint = include
        child = _include_target(target, where, (*frame.chain, frame.resolved), result)
        if child is not None and (child, include_constraint) not in read:
            read.add((child, include_constraint))
            stack.append(_open(child, include_constraint, (*frame.chain, frame.resolved), result))
    return result


@dataclass
class _Frame:
    """One requirements file being read, on the explicit stack of includes."""

    path: Path
    resolved: Path
    constraint: bool
    chain: tuple[Path, ...]
    lines: Iterator[tuple[int, str]] | None


def _open(path: Path, constraint: bool, chain: tuple[Path, ...], result: RequirementSet) -> _Frame:
    """Read one file into `result`'s file list and problems; its lines are parsed as the walk reaches them."""
    if str(path) not in result.files:
        result.files.append(str(path))
    frame = _Frame(path, _resolved(path) or path, constraint, chain, None)
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        result.problems.append(Problem(f"cannot read {path} ({message})", Location(str(path), 1)))
        return frame
    if b"\x00" in data:
        result.problems.append(Problem(f"{path} is binary, not a requirements file", Location(str(path), 1)))
        return frame
    text = data.decode("utf-8-sig", errors="replace")
    frame.lines = _annotated(text, str(path), result)
    return frame


def _annotated(text: str, path: str, result: RequirementSet) -> Iterator[tuple[int, str]]:
    """The file's logical lines; once they are all read, its `# via` annotations go onto its requirements."""
    start = len(result.requirements)
    yield from _logical_lines(text)
    via = _via_annotations(text)
    if via:
        result.requirements[start:] = [
            replace(r, via=via[r.location.line]) if r.location.path == path and r.location.line in via else r
            for r in result.requirements[start:]
        ]


def _resolved(path: Path) -> Path | None:
    """The real path, or None when the system cannot give one (a symlink loop, a name too long, a NUL)."""
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError, ValueError):
        return None


def _via_annotations(text: str) -> dict[int, tuple[str, ...]]:
    """pip-compile writes `# via pkg` (or `# via` and one name a line) under each requirement it pinned."""
    via: dict[int, tuple[str, ...]] = {}
    current = collecting = None
    continued = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            body = stripped.lstrip("#").strip()
            if body.startswith("via") and current is not None and (body == "via" or body[3:4].isspace()):
                collecting = current
                via[current] = (body[3:].strip(),) if body[3:].strip() else ()
            elif collecting is not None and body:
                via[collecting] += (body,)
            continue
        collecting = None
        if stripped and not continued:
            current = number
        continued = stripped.endswith("\\")
    return via


def parse_text(text: str, path: str) -> RequirementSet:
    """Parse requirement lines that are not in a file of their own (tests, pyproject dependencies)."""
    result = RequirementSet(files=[path])
    for line_number, line in _logical_lines(text):
        where = Location(path, line_number, 1, len(line) + 1)
        if _parse_line(line, where, False, result) is not None:
            result.problems.append(Problem("-r / -c includes are not followed here", where))
    return result


def _logical_lines(text: str):
    """(first physical line number, logical line) pairs: continuations joined, comments stripped, env expanded."""
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        is_comment = bool(_COMMENT.match(line))
        if line.endswith("\\") and not is_comment:
            if not pending:
                first = number
            pending.append(line[:-1])
            continue
        if pending:
            pending.append(" " + line if is_comment else line)
            yield from _clean(first, "".join(pending))
            pending = []
        else:
            yield from _clean(number, line)
    if pending:
        yield from _clean(first, "".join(pending))


def _clean(number: int, line: str):
    line = _COMMENT.sub("", line).strip()
    if line:
        yield number, _ENV_VAR.sub(lambda m: os.environ.get(m.group("name"), m.group(0)), line)


def _parse_line(line: str, where: Location, constraint: bool, result: RequirementSet) -> tuple[str, bool] | None:
    """Add the line's requirement, options or problems to `result`; an include is returned as
    (target, is it a constraints file) for the caller to follow."""
    # As pip does: the requirement is every word up to the first option, kept as written (quotes in
    # markers matter); only the options are split like a shell would.
    words = line.split()
    first_option = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    try:
        options = shlex.split(" ".join(words[first_option:]), posix=True)
    except ValueError as exc:
        result.problems.append(Problem(f"cannot split the options: {exc}", where))
        return
    if first_option > 0:
        _add_requirement(" ".join(words[:first_option]), options, where, constraint, result)
        return
    head = options[0]
    option, _, inline_value = head.partition("=") if head.startswith("--") else (head, "", "")
    value = inline_value or (options[1] if len(options) > 1 else "")
    if option in {"-r", "--requirement", "-c", "--constraint"}:
        if not value:
            result.problems.append(Problem(f"{option} needs a file name", where))
            return
        return value, option in {"-c", "--constraint"} or constraint
    elif option in {"-e", "--editable"}:
        if not value:
            result.problems.append(Problem("-e needs a path or VCS URL", where))
            return
        _add_requirement(value, [], where, constraint, result, editable=True)
    else:
        _parse_global(options, where, result)


def _include_target(target: str, where: Location, chain: tuple[Path, ...], result: RequirementSet) -> Path | None:
    """The file an include names, or None (with a problem) when it is not to be followed."""

    def problem(message: str) -> None:
        result.problems.append(Problem(message, where))

    if re.match(r"^[a-z]+://", target, re.I):
        return problem(f"remote requirement file {target} is not followed")
    if "\x00" in target:
        return problem("included file name holds a NUL byte")
    including = Path(where.path)
    path = Path(target) if Path(target).is_absolute() else Path(os.path.normpath(including.parent / target))
    resolved = _resolved(path)
    if resolved is None:
        return problem(f"included file {target} cannot be followed (a symlink loop or an invalid name)")
    if resolved in chain:
        names = " -> ".join(p.name for p in (*chain, resolved))
        return problem(f"requirement files include each other: {names}")
    if len(chain) >= MAX_INCLUDE_DEPTH:
        return problem(f"-r/-c includes nest more than {MAX_INCLUDE_DEPTH} files deep; nblint stops following here")
    try:
        is_file = path.is_file()
    except (OSError, ValueError) as exc:
        return problem(f"included file {target} cannot be read ({getattr(exc, 'strerror', None) or exc})")
    if not is_file:
        return problem(f"included file {target} not found (looked at {path})")
    return path


def _parse_global(words: list[str], where: Location, result: RequirementSet) -> None:
    i = 0
    while i < len(words):
        word = words[i]
        option, _, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if option in _GLOBAL_FLAGS:
            result.options.append(GlobalOption(option, None, where))
        elif option in _GLOBAL_WITH_VALUE:
            if not value:
                i += 1
                value = words[i] if i < len(words) else ""
            if not value:
                result.problems.append(Problem(f"{option} needs a value", where))
            result.options.append(GlobalOption(_GLOBAL_WITH_VALUE[option], value, where))
        else:
            result.problems.append(Problem(f"unknown option {option!r} in a requirements file", where))
        i += 1


def _add_requirement(
    text: str, options: list[str], where: Location, constraint: bool, result: RequirementSet, editable: bool = False
) -> None:
    hashes: list[str] = []
    i = 0
    while i < len(options):
        option, _, value = options[i].partition("=")
        if option not in _PER_REQUIREMENT:
            result.problems.append(Problem(f"option {option!r} is not allowed after a requirement", where))
        elif option == "--hash":
            if not value and i + 1 < len(options):
                i += 1
                value = options[i]
            if ":" not in value:
                result.problems.append(Problem(f"--hash needs algorithm:digest, got {value!r}", where))
            else:
                hashes.append(value)
        elif not value:
            i += 1
        i += 1
    requirement = _requirement(text, where, constraint, editable, tuple(hashes))
    if isinstance(requirement, Problem):
        result.problems.append(requirement)
    elif constraint:
        result.constraints.append(requirement)
    else:
        result.requirements.append(requirement)


def _requirement(text: str, where: Location, constraint: bool, editable: bool, hashes: tuple[str, ...]):
    spec_text, marker = text, None
    bare = " @ " not in text and (
        URL_SCHEME.match(text) or text.startswith((".", "/", "~")) or _ARCHIVE.search(text.split(";")[0].strip())
    )
    if bare:
        # A URL or path: pip splits an environment marker off at "; ".
        if "; " in text:
            spec_text, marker = (part.strip() for part in text.split("; ", 1))
        egg = re.search(r"[#&]egg=([A-Za-z0-9_.\-\[\]]+)", spec_text)
        name = egg.group(1).split("[")[0] if egg else _name_from_archive(spec_text)
        return Requirement(
            text, where, normalize(name) if name else None, name or spec_text, url=spec_text, marker=marker,
            editable=editable, hashes=hashes, constraint=constraint,
        )  # fmt: skip
    try:
        parsed = pep508.parse(text)
    except pep508.InvalidRequirement as exc:
        return Problem(f"not a valid requirement: {exc}", where)
    return Requirement(
        text,
        where,
        normalize(parsed.name),
        parsed.name,
        specifier=parsed.specifier,
        extras=parsed.extras,
        marker=parsed.marker,
        url=parsed.url,
        editable=editable,
        hashes=hashes,
        constraint=constraint,
    )


def _name_from_archive(text: str) -> str | None:
    base = text.rstrip("/").rsplit("/", 1)[-1]
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._]*?)-\d", base)
    return match.group(1) if match and _ARCHIVE.search(base) else None
