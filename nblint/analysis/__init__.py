"""The analysis layer: what rules know about a notebook, computed once and shared.

`cells` (one parsed code cell), `magics` (IPython syntax as Python), `notebook` (`Analysis`, the
per-notebook facts), `symbols` (names and scopes across cells), `imports`, `dataflow` (where values
come from and what checks them) and `patterns` (AST shapes several rules look for). Import the
module you need; this package imports nothing so that `import nblint` stays light.
"""
