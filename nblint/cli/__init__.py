"""The `nblint` command line, one module per command group.

Commands import what they need when they run, to keep start-up fast.
"""

from __future__ import annotations

import click

from nblint import __version__
from nblint.cli import catalogue, cluster, env, lint, operator, server, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


main.add_command(lint.lint)
main.add_command(validate.validate)
main.add_command(env.env)
main.add_command(cluster.cluster)
main.add_command(catalogue.rules_command)
main.add_command(catalogue.explain)
main.add_command(catalogue.new)
main.add_command(server.server)
main.add_command(operator.operator)
