"""The `nblint` command line, one module per command group.

Start-up stays fast: only the invoked command's module is imported (all of them for `nblint --help`),
and commands import what they need when they run.
"""

from __future__ import annotations

from importlib import import_module

import click

from nblint import __version__

# command name -> (module in nblint.cli, the click command in it)
_COMMANDS = {
    "cluster": ("cluster", "cluster"),
    "env": ("env", "env"),
    "explain": ("catalogue", "explain"),
    "lint": ("lint", "lint"),
    "new": ("catalogue", "new"),
    "operator": ("operator", "operator"),
    "rules": ("catalogue", "rules_command"),
    "server": ("server", "server"),
    "validate": ("validate", "validate"),
}


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module, name = _COMMANDS[cmd_name]
        return getattr(import_module(f"nblint.cli.{module}"), name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="nblint")
def main() -> None:
    """nblint checks Jupyter notebooks before they ship.

    \b
    Static rules:   nblint lint notebooks/
    Run and judge:  nblint validate report.ipynb
    Environment:    nblint env show report.ipynb
    On Kubernetes:  nblint cluster submit job.yaml --wait
    In the cluster: nblint operator      (the controller the Helm chart runs)
    In editors:     nblint server        (a language server; pytest --nblint for test runs)
    Rule list:      nblint rules          (one rule: nblint explain swallowed-exception)
    Exit codes:     0 passed, 1 findings that fail the level, 2 bad input or usage.
    """
