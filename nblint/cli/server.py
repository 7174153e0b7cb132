"""`nblint server`: the language server command. pygls is imported only when the server starts."""

from __future__ import annotations

import sys

import click


def _address(_ctx, _param, value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r}: use HOST:PORT, e.g. 127.0.0.1:2087")
    return host, int(port)


@click.command()
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default).")
@click.option("--tcp", "tcp", metavar="HOST:PORT", callback=_address, help="Listen on HOST:PORT instead of stdio.")
def server(stdio: bool, tcp: tuple[str, int] | None) -> None:
    """Run the nblint language server (LSP 3.17) for editors.

    Lints notebooks (notebook document sync, diagnostics per cell), .py scripts,
    JupyterLab-LSP virtual documents and requirement files as you type, with
    quick fixes and hover explanations. Settings come from [tool.nblint] in the
    nearest pyproject.toml; an editor may set `level` and `unsafeFixes`.
    See docs/editors.md for VS Code, JupyterLab, Neovim and Helix.

    \b
    Examples:
      nblint server                  # stdio, what editors start
      nblint server --tcp 127.0.0.1:2087
    """
    try:
        from nblint.server.main import serve
    except ImportError:
        click.echo("error: the language server needs pygls: pip install 'nblint[lsp]'", err=True)
        sys.exit(2)
    if stdio and tcp:
        raise click.UsageError("--stdio and --tcp are exclusive")
    serve(tcp)
