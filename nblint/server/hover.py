"""Hover on a finding: the rule's teaching text (why, how to fix, a better example), as at `learning`."""

from __future__ import annotations

from lsprotocol import types

from nblint.server import engine_api as core
from nblint.server.diagnostics import Published


def hover(published: list[Published], uri: str, position: types.Position) -> types.Hover | None:
    here = [p for p in published if p.uri == uri and _contains(p.lsp.range, position)]
    if not here:
        return None
    parts = [explanation(p.finding) for p in here]
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, "\n\n---\n\n".join(parts)), here[0].lsp.range)


def explanation(d: core.Diagnostic) -> str:
    rule = core.find(d.code)
    text = [f"**{d.name}** ({d.code}): {d.message}"]
    if rule is not None:
        text += [f"**Why:** {rule.why}", f"**Fix:** {rule.how_to_fix}"]
        if rule.good:
            better = "\n\n".join(c.source for c in rule.good[0].cells)
            text.append(f"**Better:**\n```python\n{better}\n```")
    text.append(f"[Rule page]({d.help_url})")
    return "\n\n".join(text)


def _contains(r: types.Range, p: types.Position) -> bool:
    start, end, at = (r.start.line, r.start.character), (r.end.line, r.end.character), (p.line, p.character)
    if start == end:  # whole-cell findings: anywhere on their line
        return p.line == r.start.line
    return start <= at <= end
