"""Rule invalid-requirement: a requirements line pip would reject or that cannot be followed."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, file_finding
from nblint.rule import Rule, example


class InvalidRequirement(Rule):
    code = "NB600"
    name = "invalid-requirement"
    summary = "A requirements line that pip would reject or that cannot be followed"
    why = (
        "If pip cannot read a line, the image build fails, or worse, an `-r` file that is missing or "
        "includes itself leaves out packages without anyone noticing until a notebook imports them."
    )
    how_to_fix = (
        "Fix the line as the message says: a valid PEP 508 requirement (`name==1.2.3`, "
        '`name[extra]>=1; python_version >= "3.10"`, `name @ https://...`), an existing `-r` file, '
        "no include cycles, and only options pip allows in requirement files."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nscikit learn==1.5\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas", files={"requirements.txt": "-r base.txt\n", "base.txt": "-r requirements.txt\n"},
                at=(("base.txt", 1),)),
        example("import pandas", files={"requirements.txt": "-r missing.txt\npandas==2.2.2\n"},
                at=(("requirements.txt", 1),)),
    )  # fmt: skip
    good = (
        example(
            "import pandas",
            files={"requirements.txt": 'pandas[excel]==2.2.2 ; python_version >= "3.10"\n-r base.txt\n',
                   "base.txt": "numpy==1.26.4 \\\n    --hash=sha256:" + "a" * 64 + "\n"},
        ),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for problem in nb.environment.requirements.problems:
            yield file_finding(problem.location, problem.message)
