"""`[tool.nblint]` in pyproject.toml (or --config FILE), validated into Settings."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from nblint.diagnostics import Severity
from nblint.folders import once_per_run
from nblint.levels import DEFAULT_LEVEL, LEVELS


class ConfigError(Exception):
    """An invalid configuration: the message names the key and what is allowed."""


DEFAULT_EXCLUDE = (".ipynb_checkpoints", ".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox")

_KEYS = {
    "level": "one of " + ", ".join(LEVELS),
    "select": "a list of rule names, codes or code prefixes",
    "ignore": "a list of rule names, codes or code prefixes",
    "severity": "a table of rule name = off|info|warning|error",
    "per-path-ignores": "a table of glob = [rule names]",
    "exclude": "a list of glob patterns",
    "requirements-file": "a path to the notebook's requirements file",
    "requirements-sources": "a list of requirement files, relative to the project root (first match wins)",
    "allow-unpinned": "true or false",
    "verify-hashes": "true or false",
    "fail-on-conflict": "true or false",
    "prefer-dockerfile": "true or false",
}


@dataclass(frozen=True)
class Settings:
    """The settings one file is linted with: level, rule selection, excludes and environment switches."""

    level: str = DEFAULT_LEVEL
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)
    source: str | None = None  # the file the settings came from
    requirements_file: str | None = None
    requirements_sources: tuple[str, ...] = ()
    allow_unpinned: bool = False
    verify_hashes: bool | None = None  # None: hashes required only when the files use them, or at production
    fail_on_conflict: bool = True
    prefer_dockerfile: bool = False

    @property
    def switches(self) -> dict[str, bool | None]:
        """The job-spec style switches, as `nblint.levels.resolve` reads them."""
        return {
            "allow-unpinned": self.allow_unpinned,
            "verify-hashes": self.verify_hashes,
            "fail-on-conflict": self.fail_on_conflict,
        }

    def excluded(self, path: Path) -> bool:
        parts = path.parts
        if any(part in DEFAULT_EXCLUDE for part in parts[:-1]):
            return True
        if not self.exclude:
            return False
        rel = _relative(path, self.root)
        return any(
            fnmatch.fnmatch(rel, pat)
            or fnmatch.fnmatch(path.name, pat)
            or any(fnmatch.fnmatch(p, pat) for p in PurePosixPath(rel).parts)
            for pat in self.exclude
        )

    def ignored_for(self, path: str) -> tuple[str, ...]:
        if not self.per_path_ignores:
            return ()
        rel = _relative(Path(path), self.root)
        found: list[str] = []
        for pattern, names in self.per_path_ignores.items():
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(Path(path).name, pattern):
                found.extend(names)
        return tuple(found)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


CONFIG_FILES = ("nblint.toml", "pyproject.toml")  # nblint.toml holds the keys at the top level


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest nblint.toml, or pyproject.toml with a [tool.nblint] table, at or above `start`."""
    start = start.resolve()
    folders = [start, *start.parents] if start.is_dir() else [start.parent, *start.parent.parents]
    for folder in folders:
        found = _config_in(folder)
        if found is not None:
            return found
    return None


@once_per_run  # a run asks this of every folder above every notebook
def _config_in(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    for name in CONFIG_FILES:
        candidate = folder / name
        if candidate.is_file():
            table = _config_table(candidate)
            if table is not None:
                return candidate, table
    return None


def _config_table(path: Path) -> dict[str, Any] | None:
    """The nblint settings a file holds; None for a pyproject.toml without a [tool.nblint] table."""
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if tool is not None and not isinstance(tool, dict):
            raise ConfigError(f"{path}: `tool` must be a table, e.g. [tool.nblint]")
        return tool.get("nblint") if isinstance(tool, dict) else None
    return data


def _load_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}); TOML files must be UTF-8") from None


def load_settings(start: Path, config_file: Path | None = None) -> Settings:
    """Settings from --config FILE, or the nearest config above `start` (defaults when there is none)."""
    if config_file is not None:
        data = _load_toml(config_file)
        # A pyproject.toml keeps settings under [tool.nblint]; a file of its own holds them at the top.
        table = data
        if "tool" in data:
            tool = data["tool"]
            if not isinstance(tool, dict):
                raise ConfigError(f"{config_file}: `tool` must be a table, e.g. [tool.nblint]")
            table = tool.get("nblint", {})
        return parse_settings(table, config_file.resolve().parent, str(config_file))
    found = find_config(start)
    if found is None:
        return Settings(root=start.resolve() if start.is_dir() else start.resolve().parent)
    path, table = found
    return parse_settings(table, path.parent, str(path))


class SettingsFinder:
    """Each file's settings, as ruff finds them: the nearest config above the file, unless --config names
    one for all; then the command line's own options (`overrides`, fields of Settings) on top.

    Settings are cached per folder, so a tree of notebooks reads each config once.
    """

    def __init__(self, config_file: Path | None = None, **overrides: Any) -> None:
        self.config_file = config_file
        self.overrides = overrides
        self._by_folder: dict[Path, Settings] = {}
        self._by_name: dict[str, Settings] = {}  # the folder as given: resolving it costs a syscall per part

    def for_path(self, path: str | Path) -> Settings:
        """Raises ConfigError when the config that applies is invalid."""
        path = Path(path)
        given = path if path.is_dir() else path.parent
        name = str(given)
        if name not in self._by_name:
            self._by_name[name] = self._settings(given.resolve())
        return self._by_name[name]

    def _settings(self, folder: Path) -> Settings:
        if folder not in self._by_folder:
            settings = load_settings(folder, self.config_file)
            extend = {"ignore": self.overrides.get("ignore", ()), "select": self.overrides.get("extend_select", ())}
            overrides = {
                k: v for k, v in self.overrides.items() if v is not None and k not in ("ignore", "extend_select")
            }
            settings = replace(settings, **overrides)
            self._by_folder[folder] = replace(
                settings, ignore=(*settings.ignore, *extend["ignore"]), select=(*settings.select, *extend["select"])
            )
        return self._by_folder[folder]


def parse_settings(table: dict[str, Any], root: Path, source: str | None = None) -> Settings:
    where = f"{source}: [tool.nblint]" if source else "[tool.nblint]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}; allowed keys: {', '.join(sorted(_KEYS))}")
    level = table.get("level", DEFAULT_LEVEL)
    if level not in LEVELS:
        raise ConfigError(f"{where}: level = {level!r} is not allowed; use {_KEYS['level']}")
    severity = {}
    raw_severity = table.get("severity", {})
    if not isinstance(raw_severity, dict):
        raise ConfigError(f"{where}: severity must be {_KEYS['severity']}")
    for name, value in raw_severity.items():
        _check_rule_name(where, f"severity.{name}", name)
        try:
            severity[name] = Severity.parse(str(value))
        except ValueError:
            raise ConfigError(f"{where}: severity.{name} = {value!r}; use off, info, warning or error") from None
    ignores = table.get("per-path-ignores", {})
    if not isinstance(ignores, dict):
        raise ConfigError(f"{where}: per-path-ignores must be {_KEYS['per-path-ignores']}")
    per_path = {}
    for pattern, names in ignores.items():
        per_path[pattern] = _string_list(where, f"per-path-ignores.{pattern!r}", names)
        for name in per_path[pattern]:
            _check_rule_name(where, f"per-path-ignores.{pattern!r}", name)
    select = _string_list(where, "select", table.get("select", ["ALL"]))
    ignore = _string_list(where, "ignore", table.get("ignore", []))
    for key, names in (("select", select), ("ignore", ignore)):
        for name in names:
            _check_rule_name(where, key, name)
    flags = {}
    for key in ("allow-unpinned", "verify-hashes", "fail-on-conflict", "prefer-dockerfile"):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where}: {key} = {table[key]!r}; use true or false")
            flags[key.replace("-", "_")] = table[key]
    requirements_file = table.get("requirements-file")
    if requirements_file is not None and not isinstance(requirements_file, str):
        raise ConfigError(f"{where}: requirements-file must be {_KEYS['requirements-file']}")
    return Settings(
        requirements_file=str(root / requirements_file) if requirements_file else None,
        requirements_sources=_string_list(where, "requirements-sources", table.get("requirements-sources", [])),
        **flags,
        level=level,
        select=select,
        ignore=ignore,
        severity=severity,
        per_path_ignores=per_path,
        exclude=_string_list(where, "exclude", table.get("exclude", [])),
        root=root,
        source=source,
    )


def _string_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _check_rule_name(where: str, key: str, name: str) -> None:
    from nblint.registry import known_selector

    if not known_selector(name):
        raise ConfigError(f"{where}: {key}: unknown rule {name!r}; see `nblint rules` for the names")
