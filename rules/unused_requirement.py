"""Rule unused-requirement: a declared package the notebook never imports."""

from __future__ import annotations

from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding, file_finding
from nblint.rule import Rule, example


class UnusedRequirement(Rule):
    code = "NB607"
    name = "unused-requirement"
    per_notebook = True
    summary = "A declared package the notebook never imports"
    why = (
        "Every package in the image is build time, attack surface and a chance of conflict. A "
        "requirement nothing imports is often left over from an earlier version of the notebook."
    )
    how_to_fix = (
        "Remove it, unless it is needed without an import (a pandas engine such as `pyarrow` or "
        "`openpyxl`, a database driver, `ipykernel`): those are recognised and never reported."
    )
    bad = (
        example("import pandas as pd", files={"requirements.txt": "pandas==2.2.2\nrequests==2.32.3\n"},
                at=(("requirements.txt", 2),)),
        example("import numpy", files={"requirements.txt": "numpy==1.26.4\nscikit-learn==1.5.0\ntorch==2.3.0\n"},
                at=(("requirements.txt", 2), ("requirements.txt", 3))),
        example("import yaml", files={"requirements.txt": "PyYAML==6.0.1\nbeautifulsoup4==4.12.3\n"},
                at=(("requirements.txt", 2),)),
    )  # fmt: skip
    good = (
        example("import pandas as pd\nimport sklearn",
                files={"requirements.txt": "pandas==2.2.2\npyarrow==16.1.0\nscikit-learn==1.5.0\nipykernel==6.29.5\n"}),
        example("import pandas",
                files={"requirements.txt": "pandas==2.2.2\n    # via -r requirements.in\n"
                                           "python-dateutil==2.9.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"
                                           "    # via\n    #   pandas\n    #   jupyter-client\n"}),
        example("from bs4 import BeautifulSoup\nimport cv2",
                files={"requirements.txt": "beautifulsoup4==4.12.3\nopencv-python-headless==4.10.0.84\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        from nblint.environment.import_names import RUNTIME_ONLY, imports_for_dist

        imported = {site.module.split(".")[0] for site in nb.imports}
        for req in nb.environment.requirements.requirements:
            if not req.name or req.name in RUNTIME_ONLY or req.is_tooling or req.kind == "path" or req.is_transitive:
                continue
            if imports_for_dist(req.name) & imported:
                continue
            yield file_finding(req.location, f"`{req.display_name}` is declared but never imported by this notebook")
