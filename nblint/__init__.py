"""nblint: make Jupyter notebooks safe to ship.

Importing this package stays cheap on purpose: it runs in pre-commit hooks and
editors, so heavy modules are imported by the functions that need them.
"""

__version__ = "0.1.0"
