"""Per-rule precision and recall of nblint on the labelled notebooks in tests/cases/.

    python bench/accuracy.py [--cases tests/cases] [-v]

Each case notebook carries its label in metadata: `{"nblint_case": {"rule": NAME,
"expect": [[cell, line], ...]}}` (`[file, line]` for findings in a requirements
file next to it); an empty `expect` marks a good case where the rule must stay
quiet. Cases with files are folders (notebook.ipynb plus its files and a
pyproject.toml that makes the folder its own project root). Only the labelled
rule is run on each case.
A finding at an expected (cell, line) is a true positive; any other finding of
that rule is a false positive, and so is a second finding at the same place (one
defect, one finding); an expected location with no finding is a miss.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from nblint.diagnostics import Severity
from nblint.engine import check_notebook
from nblint.notebook import load
from nblint.registry import find

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CaseResult:
    path: Path
    rule: str
    expected: tuple[tuple[int, int], ...]  # sorted
    found: tuple[tuple[int, int], ...]  # sorted, with repeats

    @property
    def true_positives(self) -> int:
        return len(set(self.expected) & set(self.found))

    @property
    def false_positives(self) -> int:
        return sum((Counter(self.found) - Counter(self.expected)).values())

    @property
    def misses(self) -> int:
        return len(set(self.expected) - set(self.found))


def evaluate(path: Path) -> CaseResult:
    nb = load(path)
    label = nb.metadata["nblint_case"]
    rule = find(label["rule"])
    if rule is None:
        raise SystemExit(f"{path}: unknown rule {label['rule']!r}")
    found = sorted(_where(d, path.parent) for d in check_notebook(nb, [(rule, Severity.ERROR)]))
    return CaseResult(path, rule.name, tuple(sorted(map(tuple, label["expect"]))), tuple(found))


def _where(diagnostic, folder: Path) -> tuple:
    """(cell, line) for a notebook finding; (file name, line) for one in a file next to the notebook."""
    if diagnostic.cell is not None:
        return (diagnostic.cell, diagnostic.line)
    return (Path(diagnostic.path).resolve().relative_to(folder.resolve()).as_posix(), diagnostic.line)


def cases(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.ipynb"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=ROOT / "tests" / "cases")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every false positive and miss")
    args = parser.parse_args()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # tp, fp, miss, bad, good
    for path in cases(args.cases):
        result = evaluate(path)
        row = totals[result.rule]
        row[0] += result.true_positives
        row[1] += result.false_positives
        row[2] += result.misses
        row[3 if result.expected else 4] += 1
        if args.verbose and (result.false_positives or result.misses):
            print(f"{path}: expected {list(result.expected)}, found {list(result.found)}")
    print("| rule | bad cases | good cases | found | false positives | missed | precision | recall |")
    print("|---|---|---|---|---|---|---|---|")
    all_tp = all_fp = all_miss = 0
    for rule, (tp, fp, miss, bad, good) in sorted(totals.items()):
        all_tp, all_fp, all_miss = all_tp + tp, all_fp + fp, all_miss + miss
        print(f"| {rule} | {bad} | {good} | {tp} | {fp} | {miss} | {_ratio(tp, tp + fp)} | {_ratio(tp, tp + miss)} |")
    all_p, all_r = _ratio(all_tp, all_tp + all_fp), _ratio(all_tp, all_tp + all_miss)
    print(f"| **all** | | | {all_tp} | {all_fp} | {all_miss} | {all_p} | {all_r} |")


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.1%}" if denominator else "n/a"


if __name__ == "__main__":
    main()
