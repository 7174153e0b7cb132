"""Rule conflicting-requirement: one package pinned to versions that cannot both hold."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, Related, file_finding
from nblint.rule import Rule, example


class ConflictingRequirement(Rule):
    code = "NB604"
    name = "conflicting-requirement"
    summary = "The same package is pinned to versions that cannot both hold"
    why = (
        "`pandas==2.2.2` in one file and `pandas==1.5.3` in another cannot both be installed: pip "
        "either fails the build or installs one of them, and which one depends on file order. The "
        "notebook then runs against a version nobody chose."
    )
    how_to_fix = (
        "Keep one pin per package across the notebook's requirement files, ideally in the file closest "
        "to the notebook. Pins under markers that never hold together (`sys_platform == 'win32'` and "
        "`sys_platform == 'linux'`) are fine."
    )
    bad = (
        example("import pandas", files={"requirements.txt": "pandas==2.2.2\nPandas==1.5.3\n"},
                at=(("requirements.txt", 2),)),
        example("import sklearn", files={"requirements.txt": "-r base.txt\nScikit_Learn==1.5.0\n",
                                         "base.txt": "scikit-learn==1.4.2\n"},
                at=(("requirements.txt", 2),)),
        example("import numpy", files={"requirements.txt": "numpy==2.0.1\nnumpy<2\n"}, at=(("requirements.txt", 2),)),
    )  # fmt: skip
    good = (
        example("import numpy",
                files={"requirements.txt": 'numpy==1.26.4 ; python_version < "3.12"\n'
                                           'numpy==2.1.0 ; python_version >= "3.12"\n'}),
        example("import pandas",
                files={"requirements.txt": "-r base.txt\npandas==2.2.2\n", "base.txt": "pandas==2.2.2\n"}),
        example("import numpy", files={"requirements.txt": "numpy==1.26.4\nnumpy>=1.20\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        for req, earlier in nb.environment.requirements.conflicts():
            here = earlier.location
            related = (Related(f"`{earlier.text}` is here", None, here.span, here.path),)
            message = f"`{req.text}` conflicts with `{earlier.text}` ({here.short})"
            yield file_finding(req.location, message, related=related)
