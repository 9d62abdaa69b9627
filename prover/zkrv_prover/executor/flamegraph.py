"""A flame graph of a :class:`~zkrv_prover.executor.profile.Profile` as one standalone SVG.

Layout (the classic flame graph): the bottom row is ``all`` (every cycle); above each frame sit
the functions it called, one rectangle per distinct call path, ordered by name, each as wide as
the cycles spent in it and its callees. The top edge of the flame is where cycles were retired
(self cycles are a frame's width not covered by callees). Every rectangle carries a ``<title>``
(the browser's tooltip) with the function, its cycles and share, and its self cycles; the name
is also drawn inside when it fits. Plain SVG, no script: any browser opens it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from zkrv_prover.executor.profile import Profile

WIDTH = 1200  # px, the whole image
ROW = 16  # px per stack level
PAD = 10
HEADER = 36
FONT = 12
CHAR = 0.6 * FONT  # approximate advance of a monospace character
MIN_WIDTH = 0.1  # px: narrower frames (and their callees) are left out


@dataclass
class _Node:
    name: str
    cycles: int = 0
    self_cycles: int = 0
    children: dict[int, _Node] = field(default_factory=dict)


def _tree(profile: Profile) -> _Node:
    root = _Node("all")
    for stack, cycles in profile.samples:
        node = root
        node.cycles += cycles
        for f in stack:
            nxt = node.children.get(f)
            if nxt is None:
                nxt = node.children[f] = _Node(profile.frames[f].name)
            nxt.cycles += cycles
            node = nxt
        node.self_cycles += cycles
    return root


def _color(name: str) -> str:
    """A warm colour fixed by the name, so a function looks the same everywhere."""
    h = zlib.crc32(name.encode())
    return f"rgb({205 + h % 50},{(h >> 8) % 200 + 30},{(h >> 16) % 55})"


def _label(name: str, width: float) -> str:
    """As much of ``name`` as fits in ``width`` px ('..' marks a cut), or '' if too narrow."""
    fit = int((width - 6) / CHAR)
    if fit >= len(name):
        return name
    return name[: fit - 2] + ".." if fit >= 4 else ""


def flame_graph_svg(profile: Profile, title: str | None = None) -> str:
    """The flame graph of ``profile`` as an SVG document (see the module docstring)."""
    root = _tree(profile)
    total = max(root.cycles, 1)
    scale = (WIDTH - 2 * PAD) / total
    # Iterative walk (recursion can be deeper than Python's stack): (node, depth, x) per frame.
    placed: list[tuple[_Node, int, float]] = []
    todo = [(root, 0, float(PAD))]
    while todo:
        node, depth, x = todo.pop()
        placed.append((node, depth, x))
        cx = x
        kids = sorted(node.children.values(), key=lambda n: n.name)
        for kid in kids:
            if kid.cycles * scale >= MIN_WIDTH:
                todo.append((kid, depth + 1, cx))
            cx += kid.cycles * scale
    depth_max = max(d for _, d, _ in placed)
    height = HEADER + (depth_max + 1) * ROW + 2 * PAD
    heading = title if title is not None else profile.name
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="monospace" font-size="{FONT}">',
        f"<title>{escape(heading)} flame graph</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#f8f8f0"/>',
        f'<text x="{WIDTH / 2}" y="{PAD + 14}" text-anchor="middle" font-size="{FONT + 4}">'
        f"{escape(heading)}: {root.cycles:,} cycles</text>",
        f'<text x="{PAD}" y="{HEADER + PAD - 6}" fill="#555">width = cycles, bottom = '
        "outermost; hover a frame for its cycles</text>",
    ]
    for node, depth, x in placed:
        w = node.cycles * scale
        y = height - PAD - (depth + 1) * ROW
        share = 100.0 * node.cycles / total
        tip = f"{node.name}: {node.cycles:,} cycles ({share:.2f}%), self {node.self_cycles:,}"
        label = _label(node.name, w)
        text = f'<text x="{x + 3:.2f}" y="{y + ROW - 4}">{escape(label)}</text>' if label else ""
        out.append(
            f"<g><title>{escape(tip)}</title>"
            f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{ROW - 1}" '
            f'fill={quoteattr(_color(node.name))} rx="2"/>{text}</g>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
