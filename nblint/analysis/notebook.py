"""`Analysis`: one notebook as rules see it, with every shared fact computed once, on first use."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from nblint.analysis.cells import CodeCell
from nblint.analysis.dataflow import DataFlow, build_dataflow
from nblint.analysis.imports import ImportSite, dotted, extends_sys_path, find_imports, import_aliases
from nblint.analysis.symbols import NotebookSymbols
from nblint.notebook import Notebook

if TYPE_CHECKING:
    from nblint.config import Settings
    from nblint.environment.sources import Environment


@dataclass
class Analysis:
    """One notebook as rules see it; each shared fact is computed on first use."""

    notebook: Notebook
    settings: Settings | None = None  # None means the defaults
    # Names and codes of every rule in the catalogue, so `unknown-suppression` can check a
    # `disable=` list without importing the catalogue it belongs to. The engine fills it.
    rule_names: frozenset[str] = frozenset()

    @property
    def level(self) -> str:
        return getattr(self.settings, "level", "development")

    @property
    def switches(self) -> dict[str, bool | None]:
        """The job-spec style switches of the settings, as `nblint.levels.resolve` reads them."""
        return self.settings.switches if self.settings is not None else {}

    @cached_property
    def environment(self) -> Environment:
        """The notebook's declared environment (requirement sources, merged set, Dockerfile)."""
        from nblint.environment.sources import discover

        return discover(self.notebook.path, self.settings)

    @cached_property
    def code_cells(self) -> list[CodeCell]:
        return [CodeCell(c) for c in self.notebook.cells if c.is_code]

    @cached_property
    def python_cells(self) -> list[CodeCell]:
        """Code cells that parsed as Python."""
        return [c for c in self.code_cells if c.tree is not None]

    @cached_property
    def symbols(self) -> NotebookSymbols:
        return NotebookSymbols(self.python_cells)

    @cached_property
    def imports(self) -> list[ImportSite]:
        return list(find_imports(self))

    @cached_property
    def extends_sys_path(self) -> bool:
        """Does the notebook add folders to sys.path at run time (so any module may be a local helper)?"""
        return extends_sys_path(self)

    @cached_property
    def dataflow(self) -> DataFlow:
        return build_dataflow(self)

    @cached_property
    def aliases(self) -> dict[str, str]:
        return import_aliases(self.python_cells)

    def qualified(self, node: ast.AST) -> str | None:
        """The imported name an expression refers to: `np.seterr` -> `numpy.seterr`.

        Remembered per node: most rules ask it of every call, and the answer depends on this notebook's
        imports, so it is kept here rather than on the (shared, cached) syntax tree."""
        try:
            return self._qualified[node]
        except KeyError:
            pass
        name = dotted(node)
        if name is not None:
            head, _, rest = name.partition(".")
            base = self.aliases.get(head, head)
            name = f"{base}.{rest}" if rest else base
        self._qualified[node] = name
        return name

    @cached_property
    def _qualified(self) -> dict[ast.AST, str | None]:
        return {}
