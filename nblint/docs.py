"""Rule pages, generated from the rules' own fields so docs never drift from code.

`python -m nblint.docs docs/rules` rewrites the pages; a test fails when they are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nblint.checks import CHECKS, CONVENTIONS
from nblint.levels import LEVELS, severity
from nblint.rule import Example, Rule


def _cells(ex: Example) -> str:
    blocks = [f"Notebook file `{ex.name}`:"] if ex.name != "example.ipynb" else []
    for number, cell in enumerate(ex.cells, start=1):
        lang = "python" if cell.cell_type == "code" else "markdown"
        note = ""
        if cell.outputs:
            note = "  (saved with an output: " + ", ".join(o.get("output_type", "?") for o in cell.outputs) + ")"
        if cell.execution_count is not None:
            note += f"  (ran as [{cell.execution_count}])"
        if cell.missing:
            note += "  (saved without " + ", ".join(f"`{key}`" for key in cell.missing) + ")"
        blocks.append(f"Cell {number}{note}:\n\n```{lang}\n{cell.source}\n```")
    for name, text in ex.files:
        blocks.append(f"File `{name}` next to the notebook:\n\n```text\n{text.rstrip()}\n```")
    return "\n\n".join(blocks)


def _examples(examples: tuple[Example, ...]) -> str:
    if len(examples) == 1:
        return _cells(examples[0])
    return "\n\n".join(f"**Case {i}**\n\n{_cells(ex)}" for i, ex in enumerate(examples, start=1))


def rule_page(rule: Rule) -> str:
    levels_row = " | ".join(str(severity(rule.name, lv)) for lv in LEVELS)
    parts = [
        f"# {rule.name} ({rule.code})",
        rule.summary + ".",
        "## What it does\n\n" + rule.summary + ".",
        "## Why is this bad?\n\n" + rule.why,
        "## Example\n\n" + _examples(rule.bad),
        "## Use instead\n\n" + _examples(rule.good),
        "## How to fix\n\n" + rule.how_to_fix,
        "## Fix safety\n\n" + (rule.fix_safety or "This rule has no automatic fix."),
        "## Severity by level\n\n| " + " | ".join(LEVELS) + " |\n|" + "---|" * len(LEVELS) + f"\n| {levels_row} |",
        f"## Suppressing it\n\nAdd `# nblint: disable={rule.name}` to the line, or as the first line of the cell.",
    ]
    return "\n\n".join(parts) + "\n"


def checks_page() -> str:
    """docs/runtime-checks.md: every `nblint validate` check, why it matters, and its severity per level."""
    rows = ["| check | " + " | ".join(LEVELS) + " | what it catches |", "|---|" + "---|" * (len(LEVELS) + 1)]
    for check in CHECKS.values():
        severities = " | ".join(str(severity(check.name, level)) for level in LEVELS)
        rows.append(f"| [`{check.name}`](#{check.name}) | {severities} | {check.summary} |")
    intro = (
        "# Runtime checks\n\n`nblint validate` runs a notebook with a real Jupyter kernel and reports these "
        "checks for every cell. A check fails the run when its severity reaches the level's threshold "
        "(`learning` never fails; `production` fails on warnings too).\n\nSilence one on purpose with "
        "`# nblint: allow=<check>` on the line, or as the first line of the cell.\n"
    )
    # one heading per check: the anchors SARIF's helpUri links to (runtime-checks.md#nan-value)
    sections = [f"## `{check.name}`\n\n{check.why}\n" for check in CHECKS.values()]
    cannot_run = (
        "## When a notebook cannot run\n\nAn unreadable notebook, a missing kernel or bad expectations stop the "
        "run before any check: the notebook's verdict is `error` (exit code 2), and CI formats report it as such "
        "(SARIF: a `could-not-run` result and a tool notification, so the notebook's open alerts are not closed "
        "as fixed; JUnit: an `<error>` testcase; GitLab Code Quality: a `blocker` issue).\n"
    )
    return intro + "\n" + "\n".join(rows) + "\n\n" + "\n".join([*sections, cannot_run]) + "\n" + CONVENTIONS


def write_pages(folder: Path) -> list[Path]:
    from nblint.registry import all_rules

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in all_rules():
        path = folder / f"{rule.name}.md"
        path.write_text(rule_page(rule), encoding="utf-8")
        written.append(path)
    checks = folder.parent / "runtime-checks.md"
    checks.write_text(checks_page(), encoding="utf-8")
    return [*written, checks]


if __name__ == "__main__":
    for page in write_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        print(page)
