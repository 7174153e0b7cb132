"""Rule duplicate-requirement: the same requirement declared twice."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, file_finding
from nblint.rule import Rule, example


class DuplicateRequirement(Rule):
    code = "NB605"
    name = "duplicate-requirement"
    summary = "The same requirement is declared twice"
    why = (
        "A second identical line adds nothing, and when one copy is later bumped and the other is not, "
        "it becomes a conflict."
    )
    how_to_fix = "Delete one of the two lines; keep the pin in the file closest to the notebook."
    bad = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy==1.26.4\npandas==2.2.2\n"},
                at=(("requirements.txt", 3),)),
        example("import pandas", files={"requirements.txt": "pandas[excel]==2.2.2\npandas[parquet]==2.2.2\n"},
                at=(("requirements.txt", 2),)),
        example("import pandas",
                files={"requirements.txt": "-r base.txt\npandas==2.2.2\n", "base.txt": "pandas==2.2.2\n"},
                at=(("requirements.txt", 2),)),
    )  # fmt: skip
    good = (example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy==1.26.4\n"}),)

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for req, first in nb.environment.requirements.duplicates():
            yield file_finding(
                req.location, f"`{req.display_name}{req.specifier}` is already declared at {first.location.short}"
            )
