"""Declared expectations on a cell's result, and checking them against what the probe saw.

Three sources, one shape (`Expectation`):
* cell metadata: `{"nblint": {"expect": {"type": "pandas.DataFrame", "shape": [null, 10],
  "not_empty": true, "range": [0.7, 1.0]}}}`;
* a first-line comment: `# nblint: expect type=float range=[0.7,1.0]`;
* `--expect FILE` (YAML or JSON): either `{cell number or id: {...}}` or the job spec's
  `expectedOutputs` list (`cell` zero-based, `shape: "-1,10"`, `minValue`/`maxValue` strings, `notEmpty`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nblint import directives


class ExpectationError(Exception):
    """An expectation that cannot be understood (the message says where)."""


@dataclass(frozen=True)
class Expectation:
    """What a `# nblint: expect` comment says a cell's result must be."""

    type: str | None = None
    shape: tuple[int | None, ...] | None = None
    range: tuple[float, float] | None = None
    not_empty: bool = False


_PAIR = re.compile(r"(\w+)(?:=(\[[^\]]*\]|\S+))?")


def from_mapping(data: dict[str, Any], where: str) -> Expectation:
    allowed = {"type", "shape", "range", "not_empty"}
    unknown = set(data) - allowed
    if unknown:
        raise ExpectationError(f"{where}: unknown expectation key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    shape = data.get("shape")
    rng = data.get("range")
    try:
        return Expectation(
            type=str(data["type"]) if data.get("type") else None,
            shape=tuple(None if s is None else int(s) for s in shape) if shape is not None else None,
            range=(float(rng[0]), float(rng[1])) if rng is not None else None,
            not_empty=bool(data.get("not_empty", False)),
        )
    except (TypeError, ValueError, IndexError) as exc:
        raise ExpectationError(f"{where}: {exc}; shape is a list (null = any), range is [low, high]") from None


def from_comment(first_line: str, where: str) -> Expectation | None:
    directive = directives.first(first_line, "expect")
    if directive is None or not directive.standalone:
        return None
    data: dict[str, Any] = {}
    for key, value in _PAIR.findall(directive.args):
        if value == "":
            data[key] = True
            continue
        try:
            data[key] = json.loads(value)
        except ValueError:
            data[key] = value
    return from_mapping(data, where)


def from_job_spec_item(item: dict[str, Any], where: str) -> tuple[int, Expectation]:
    """One `expectedOutputs` entry of a NotebookValidationJob: returns (1-based cell, expectation)."""
    if not isinstance(item.get("cell"), int) or item["cell"] < 0:
        raise ExpectationError(f"{where}: `cell` must be a zero-based cell index")
    shape = None
    if item.get("shape"):
        shape = tuple(None if int(p) < 0 else int(p) for p in str(item["shape"]).split(","))
    low, high = item.get("minValue"), item.get("maxValue")
    rng = None
    if low is not None or high is not None:
        rng = (float(low) if low is not None else float("-inf"), float(high) if high is not None else float("inf"))
    return item["cell"] + 1, Expectation(item.get("type"), shape, rng, bool(item.get("notEmpty", False)))


def load_file(path: Path) -> dict[int | str, Expectation]:
    """Expectations keyed by 1-based cell number or by cell id."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExpectationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        import yaml

        data = yaml.safe_load(text)
    except ImportError:
        data = json.loads(text)
    except Exception as exc:
        raise ExpectationError(f"{path}: not valid YAML/JSON: {exc}") from None
    if isinstance(data, dict) and "expectedOutputs" in data:
        data = data["expectedOutputs"]
    out: dict[int | str, Expectation] = {}
    if isinstance(data, list):
        for i, item in enumerate(data):
            cell, expectation = from_job_spec_item(item, f"{path}: entry {i}")
            out[cell] = expectation
    elif isinstance(data, dict):
        for key, value in data.items():
            cell: int | str = int(key) if str(key).isdigit() else str(key)
            out[cell] = from_mapping(value or {}, f"{path}: cell {key}")
    else:
        raise ExpectationError(f"{path}: expected a mapping of cells or an expectedOutputs list")
    return out


def check(expectation: Expectation, result: dict[str, Any] | None) -> list[str]:
    """What is wrong with `result` (the probe's summary), as messages; empty when it meets the expectation."""
    if result is None:
        return ["the cell produced no result to check"]
    problems = []
    if expectation.type and not _type_matches(expectation.type, result.get("mro", [])):
        problems.append(f"type is {result.get('type')}, expected {expectation.type}")
    if expectation.shape is not None:
        shape = result.get("shape")
        if (
            shape is None
            or len(shape) != len(expectation.shape)
            or any(want is not None and want != got for want, got in zip(expectation.shape, shape, strict=False))
        ):
            want = "(" + ", ".join("any" if s is None else str(s) for s in expectation.shape) + ")"
            problems.append(f"shape is {tuple(shape) if shape else 'unknown'}, expected {want}")
    if expectation.not_empty and result.get("empty", False):
        problems.append("result is empty")
    if expectation.range is not None:
        low, high = expectation.range
        if "min" not in result:
            problems.append(f"result has no numeric value to compare with [{low}, {high}]")
        elif result["min"] < low or result["max"] > high:
            problems.append(f"values span [{result['min']:g}, {result['max']:g}], outside [{low:g}, {high:g}]")
    return problems


def _type_matches(expected: str, mro: list[str]) -> bool:
    """`pandas.DataFrame` matches `pandas.core.frame.DataFrame`; subclasses match; `float` matches builtins."""
    package, _, name = expected.rpartition(".")
    for qualified in mro:
        module, _, qualname = qualified.rpartition(".")
        if qualname != name:
            continue
        if not package and module == "builtins":
            return True
        if package and (module == package or module.split(".")[0] == package.split(".")[0]):
            return True
    return False


def for_notebook(model, extra: dict[int | str, Expectation]) -> dict[int, Expectation]:
    """Every cell's expectation by cell number: metadata, then a first-line comment, then `extra` (--expect)."""
    by_number: dict[int, Expectation] = {}
    ids = {c.id: c.number for c in model.cells if c.id}
    for cell in model.cells:
        meta = cell.metadata.get("nblint") if isinstance(cell.metadata, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("expect"), dict):
            by_number[cell.number] = from_mapping(meta["expect"], f"{model.path}: cell {cell.number} metadata")
        first = cell.source.split("\n", 1)[0]
        from_line = from_comment(first, f"{model.path}: cell {cell.number}") if cell.is_code else None
        if from_line:
            by_number[cell.number] = from_line
    for key, expectation in extra.items():
        number = ids.get(key) if isinstance(key, str) else key
        if number is not None:
            by_number[number] = expectation
    return by_number
