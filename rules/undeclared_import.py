"""Rule undeclared-import: a third-party import the requirements do not declare."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from nblint.analysis.imports import ImportSite
from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.rule import Rule, example


class UndeclaredImport(Rule):
    code = "NB606"
    name = "undeclared-import"
    summary = "The notebook imports a third-party package its requirements do not declare"
    why = (
        "If a package is only on your machine, or only arrives as a dependency of something else, the "
        "image built from the requirements either lacks it (ImportError in production) or gets "
        "whatever version that other package happens to pull in."
    )
    how_to_fix = (
        "Add the distribution, pinned, to the notebook's requirements.txt. The import name is not always "
        "the package name: `sklearn` is `scikit-learn`, `cv2` is `opencv-python`, `yaml` is `PyYAML`."
    )
    bad = (
        example("import pandas as pd\nimport sklearn", files={"requirements.txt": "pandas==2.2.2\n"}, at=((1, 2),)),
        example("from yaml import safe_load", files={"requirements.txt": "pandas==2.2.2\n"}, at=((1, 1),)),
        example("def load():\n    import requests\n    return requests", at=((1, 2),)),
        example("import numpy as np\nimport pandas as pd", "from sklearn.linear_model import Ridge", at=((1, 1),)),
        example("import importlib\nplt = importlib.import_module('matplotlib.pyplot')",
                files={"requirements.txt": "numpy==1.26.4\n"}, at=((1, 2),)),
    )  # fmt: skip
    good = (
        example("import os, json\nimport sklearn\nfrom PIL import Image",
                files={"requirements.txt": "scikit-learn==1.5.0\nPillow==10.4.0\n"}),
        example("import helpers\nfrom mypkg import util", files={"helpers.py": "X = 1\n", "mypkg/__init__.py": ""}),
        example("try:\n    import torch\nexcept ImportError:\n    torch = None"),
        example("from . import sibling\nimport IPython"),
        example("import iris\nimport ibis", files={"pyproject.toml": "[project]\nname = 'x'\n"
                "[dependency-groups]\nanalysis = ['scitools-iris>=3']\n"
                "[project.optional-dependencies]\nsql = ['ibis-framework[duckdb]']\n"}),
        example("import sys\nsys.path.insert(0, '../utils')\nfrom validation_helpers import check_all",
                files={"requirements.txt": "pandas==2.2.2\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
        from nblint.environment.import_names import distribution_name

        env = nb.environment
        undeclared = list(self._undeclared(nb))
        if env.sources or not undeclared:
            for site in undeclared:
                top = site.module.split(".")[0]
                yield Finding(
                    f"`{top}` is imported but not declared in its requirements",
                    site.cell.number,
                    site.cell.span(site.node),
                )
            return
        # No requirement source at all: one finding says so, instead of one per import.
        first = undeclared[0]
        names = ", ".join(dict.fromkeys(distribution_name(site.module) for site in undeclared))
        yield Finding(
            f"no requirements found (no requirements.txt, pylock.toml or pyproject.toml dependencies); "
            f"it imports {names}",
            first.cell.number,
            first.cell.span(first.node),
        )

    def _undeclared(self, nb: Analysis) -> Iterator[ImportSite]:
        """The first import of each third-party module the requirements do not declare."""
        from nblint.environment.import_names import KERNEL_PROVIDED, dists_for_import, known_third_party, local_modules

        env = nb.environment
        declared = env.declared_names()
        local = local_modules(Path(nb.notebook.path).resolve().parent, env.root)
        # With sys.path extended at run time, an unknown module is as likely a helper next to the notebook.
        only_known = nb.extends_sys_path
        reported: set[str] = set()
        for site in nb.imports:
            if site.optional:
                continue
            top = site.module.split(".")[0]
            if top in reported or top in sys.stdlib_module_names or top in local or top in KERNEL_PROVIDED:
                continue
            if dists_for_import(site.module) & declared or (only_known and not known_third_party(top)):
                continue
            reported.add(top)
            yield site
