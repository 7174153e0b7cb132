"""One declared requirement and the merged set, with the facts the rules ask about them.

Whatever file a requirement came from (requirements.txt, pylock.toml, pyproject.toml), it is
the same value here: its name (PEP 503 normalised), specifier, marker, URL and hashes, and the
answers to "is it pinned?", "can it be hashed?", "does it conflict with that one?".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from nblint.diagnostics import Location

GOOD_HASHES = ("sha256", "sha384", "sha512")
_VCS_SCHEMES = frozenset({"git", "hg", "svn", "bzr"})
URL_SCHEME = re.compile(r"^(?:git|hg|svn|bzr)\+|^[a-z][a-z0-9+.-]*://", re.I)
_HASHABLE_ARCHIVE = re.compile(r"\.(whl|tar\.gz|zip)$")
_VCS_COMMIT = re.compile(r"@[0-9a-f]{40}(?:#|$)")


def normalize(name: str) -> str:
    """PEP 503: `Scikit_Learn` and `scikit-learn` are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    """One declared requirement, from whichever file, with where it was written."""

    text: str  # the requirement as written (options stripped)
    location: Location
    name: str | None  # PEP 503 normalised; None when pip could not know it (a bare URL or path)
    display_name: str
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    editable: bool = False
    hashes: tuple[str, ...] = ()  # "sha256:..."
    constraint: bool = False  # from a -c file
    via: tuple[str, ...] = ()  # pip-compile's `# via` annotation: what pulled this requirement in

    @property
    def kind(self) -> str:
        if self.url is None:
            return "named"
        if URL_SCHEME.match(self.url) and self.url.split("+", 1)[0].lower() in _VCS_SCHEMES:
            return "vcs"
        if "://" in self.url and not self.url.lower().startswith("file:"):
            return "url"
        return "path"

    @property
    def pinned_version(self) -> str | None:
        """The version of an exact `==X` or `===X` pin (no wildcard), else None."""
        parts = [p.strip() for p in self.specifier.split(",") if p.strip()]
        if len(parts) == 1:
            match = re.fullmatch(r"(===?)\s*([^*\s]+)", parts[0])
            if match:
                return match.group(2)
        return None

    @property
    def is_pinned(self) -> bool:
        """Does this line alone fix what gets installed: `==X`, a hashed URL or path, a VCS commit?"""
        if self.pinned_version:
            return True
        if self.kind in {"url", "path"} and self.good_hashes:
            return True
        return self.kind == "vcs" and bool(_VCS_COMMIT.search(self.url or ""))

    @property
    def good_hashes(self) -> tuple[str, ...]:
        return tuple(h for h in self.hashes if h.split(":", 1)[0].lower() in GOOD_HASHES)

    @property
    def is_hashable(self) -> bool:
        """pip can hash a named release, a URL or an archive, but not an editable install or a folder."""
        return not (self.editable or (self.kind == "path" and not _HASHABLE_ARCHIVE.search(self.url or "")))

    @property
    def is_transitive(self) -> bool:
        """A lock-file entry another package needs (pip-compile's `# via pandas`), not a direct choice."""
        return bool(self.via) and not any(v.startswith(("-r", "-c")) for v in self.via)

    @property
    def is_tooling(self) -> bool:
        """A test plugin or type stubs: used by tools, never imported by the notebook."""
        return bool(self.name) and (self.name.startswith(("pytest-", "types-")) or self.name.endswith("-stubs"))

    @property
    def duplicate_key(self) -> tuple:
        """Two requirements with the same key say the same thing (extras aside)."""
        return (self.name or self.url, self.specifier, self.marker)

    def conflicts_with(self, other: Requirement) -> bool:
        """Can the two not both hold: one pins a version the other excludes, on some machine both apply to?"""
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        if not _markers_overlap(self.marker, other.marker):
            return False
        try:
            for pinned, rest in ((self, other), (other, self)):
                if pinned.pinned_version and not SpecifierSet(rest.specifier).contains(
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


@dataclass(frozen=True)
class GlobalOption:
    """A pip option on a line of its own (`--index-url`, `--require-hashes`, ...)."""

    name: str  # canonical long name, e.g. "--index-url"
    value: str | None
    location: Location


@dataclass(frozen=True)
class Problem:
    """A requirement line nblint could not read, with its place."""

    message: str
    location: Location


@dataclass
class RequirementSet:
    """Requirements, constraints, options and problems merged from every file read."""

    requirements: list[Requirement] = field(default_factory=list)
    constraints: list[Requirement] = field(default_factory=list)
    options: list[GlobalOption] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def extend(self, other: RequirementSet) -> None:
        self.requirements += other.requirements
        self.constraints += other.constraints
        self.options += other.options
        self.problems += other.problems
        self.files += [f for f in other.files if f not in self.files]

    @property
    def require_hashes(self) -> bool:
        return any(o.name == "--require-hashes" for o in self.options)

    @property
    def hash_checking(self) -> bool:
        """pip checks hashes once `--require-hashes` is given or any one requirement has a hash."""
        return self.require_hashes or any(r.hashes for r in self.requirements)

    def unpinned(self) -> Iterator[Requirement]:
        """Requirements pinned neither by their own line nor by a pinned `-c` constraint."""
        constrained = {c.name for c in self.constraints if c.pinned_version}
        return (r for r in self.requirements if not r.is_pinned and r.name not in constrained)

    def conflicts(self) -> Iterator[tuple[Requirement, Requirement]]:
        """(requirement, the earlier one it conflicts with), the first such earlier one per requirement."""
        seen: dict[str, list[Requirement]] = {}
        for req in self.requirements:
            if not req.name:
                continue
            earlier = next((e for e in seen.get(req.name, []) if e.conflicts_with(req)), None)
            if earlier is not None:
                yield req, earlier
            seen.setdefault(req.name, []).append(req)

    def duplicates(self) -> Iterator[tuple[Requirement, Requirement]]:
        """(requirement, the first one that already said the same)."""
        seen: dict[tuple, Requirement] = {}
        for req in self.requirements:
            if req.duplicate_key in seen:
                yield req, seen[req.duplicate_key]
            else:
                seen[req.duplicate_key] = req
