"""Rule unpinned-requirement: a requirement that does not pin one exact version."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, file_finding
from nblint.rule import Rule, example


class UnpinnedRequirement(Rule):
    code = "NB602"
    name = "unpinned-requirement"
    summary = "A requirement that does not pin one exact version"
    why = (
        "`pandas>=2.0` installs whatever is newest on the day the image is built. Your laptop, the "
        "validation run and production then run different code, and a release upstream can break a "
        "notebook nobody touched. Only `==` pins make the environment reproducible."
    )
    how_to_fix = (
        "Pin the version you tested with: `pandas==2.2.2` (see `pip freeze`), or pin through a `-c "
        "constraints.txt` file, or generate pins with pip-tools / uv (`uv pip compile`). A URL needs a "
        "`--hash`; a VCS URL needs a full commit id."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "pandas>=2.0\n"}, at=(("requirements.txt", 1),)),
        example("import numpy, requests",
                files={"requirements.txt": "numpy~=1.26\nrequests\n"},
                at=(("requirements.txt", 1), ("requirements.txt", 2))),
        example("import sklearn", files={"requirements.txt": "-r base.txt\n", "base.txt": "scikit-learn==1.*\n"},
                at=(("base.txt", 1),)),
    )  # fmt: skip
    good = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nnumpy===1.26.4\n"}),
        example("import pandas",
                files={"requirements.txt": "pandas>=2\n-c constraints.txt\n", "constraints.txt": "pandas==2.2.2\n"}),
        example("import pandas", files={"requirements.txt": 'pandas[excel]==2.2.2 ; sys_platform == "linux"\n'}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for req in nb.environment.requirements.unpinned():
            what = req.specifier or ("no version" if req.kind == "named" else f"a {req.kind} without a hash")
            yield file_finding(req.location, f"`{req.display_name}` is not pinned ({what}); pin it with `==`")
