"""Rule undeclared-import: a third-party import the requirements do not declare."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

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
        example("import importlib\nplt = importlib.import_module('matplotlib.pyplot')",
                files={"requirements.txt": "numpy==1.26.4\n"}, at=((1, 2),)),
    )  # fmt: skip
    good = (
        example("import os, json\nimport sklearn\nfrom PIL import Image",
                files={"requirements.txt": "scikit-learn==1.5.0\nPillow==10.4.0\n"}),
        example("import helpers\nfrom mypkg import util", files={"helpers.py": "X = 1\n", "mypkg/__init__.py": ""}),
        example("try:\n    import torch\nexcept ImportError:\n    torch = None"),
        example("from . import sibling\nimport IPython"),
        example("import sys\nsys.path.insert(0, '../utils')\nfrom validation_helpers import check_all",
                files={"requirements.txt": "pandas==2.2.2\n"}),
    )  # fmt: skip

    def check(self, nb: Analysis) -> Iterator[Finding]:
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
            cell, node, module = site.cell, site.node, site.module
            top = module.split(".")[0]
            if top in reported or top in sys.stdlib_module_names or top in local or top in KERNEL_PROVIDED:
                continue
            if dists_for_import(top) & declared or (only_known and not known_third_party(top)):
                continue
            reported.add(top)
            where = "its requirements" if env.sources else "any requirements file (none was found)"
            yield Finding(f"`{top}` is imported but not declared in {where}", cell.number, cell.span(node))
