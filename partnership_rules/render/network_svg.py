"""The partnership network drawn as inline SVG: laid out by networkx, no script, no fonts
or images fetched. Partners, stakeholders, bodies and large channels are labelled nodes of
different shapes; membership, chairs, communication and accountability are differently
drawn lines; what two partners say of each other is a curve coloured by the trust of the less
trusting side and as thick as the value they see in each other; subjects with findings carry
a ring in the colour of their worst severity.

Bodies start on an inner ring, partners on the middle one, stakeholders and channels outside;
a spring layout (fixed seed: the same network is drawn the same way) then pulls related
nodes together. Labels sit on the side away from the centre. A network of more than
MAX_DRAWN_NODES nodes is not drawn: no drawing of it would be legible.
"""

from __future__ import annotations

import math

from .._report import NetworkEdge, NetworkNode, PartnershipNetwork
from . import escape
from .common import SEVERITY_STYLES

__all__ = [
    "EDGE_STYLES",
    "MAX_DRAWN_NODES",
    "NODE_STYLES",
    "TRUST_STYLES",
    "legend_html",
    "network_svg",
    "relationship_width",
    "trust_colour",
]

MAX_DRAWN_NODES = 150
LAYOUT_SEED = 7

# kind -> (label in the legend, fill colour)
NODE_STYLES = {
    "partner": ("Partner", "#90caf9"),
    "body": ("Governance body", "#cfd8dc"),
    "stakeholder": ("Stakeholder", "#a5d6a7"),
    "channel": ("Channel with many members", "#fff59d"),
}
# relation -> (label in the legend, colour, dash pattern, base width)
EDGE_STYLES = {
    "member": ("Member of a body", "#90a4ae", "", 1.2),
    "chair": ("Chairs a body", "#37474f", "", 2.6),
    "communication": ("Shares a communication channel", "#1e88e5", "6 3", 1.2),
    "accountability": ("Accountable for actions the other carries out", "#ef6c00", "2 3", 1.2),
    "relationship": ("What two partners say of each other", "#9e9e9e", "", 1.0),
}
# A relationship's colour by the trust of its less trusting side (1 to 4, as in the PARTNER
# tool; a line is as strong as its weaker side): (the band's test, legend label, colour), best
# first. 2 or less is "a small amount" at most, as the low-trust rule's default reads it.
TRUST_STYLES = (
    (lambda t: t >= 3.0, "Trust 3 or more of 4", "#2e7d32"),
    (lambda t: t > 2.0, "Trust above 2, below 3", "#f9a825"),
    (lambda t: True, "Trust 2 or less (little trust)", "#c62828"),
)
NO_RATING_COLOUR = "#9e9e9e"


def trust_colour(trust: float | None) -> str:
    """The colour of a relationship whose less trusting side gives this trust (grey when
    neither side rated trust)."""
    if trust is None:
        return NO_RATING_COLOUR
    return next(colour for test, _, colour in TRUST_STYLES if test(trust))


def relationship_width(value: float | None) -> float:
    """A relationship's line width by the mean value the two sides see in each other: 1.5 at
    1 (not at all) up to 7.5 at 4 (a great deal); 1.5 when not rated."""
    return 1.5 if value is None else 1.5 + 2.0 * (min(max(value, 1.0), 4.0) - 1.0)


h = escape.html


def _layout(network: PartnershipNetwork) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Positions from 0 to 1 on both axes, and the nodes with no line to anyone: those sit in
    a row along the bottom, so that they neither stretch the drawing nor hide among the
    others."""
    import networkx as nx  # the drawing is the only user of networkx's layouts (and numpy)

    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(node.key for node in network.nodes)
    graph.add_edges_from((edge.source, edge.target) for edge in network.edges)
    alone = [node.key for node in network.nodes if graph.degree(node.key) == 0]
    graph.remove_nodes_from(alone)
    positions: dict[str, tuple[float, float]] = {}
    if len(graph) == 1:
        positions = {next(iter(graph)): (0.5, 0.5)}
    elif len(graph) > 1:
        kinds = {node.key: node.kind for node in network.nodes}
        shells = [
            [k for k in graph if kinds[k] == "body"],
            [k for k in graph if kinds[k] == "partner"],
            [k for k in graph if kinds[k] in ("stakeholder", "channel")],
        ]
        shells = [shell for shell in shells if shell]
        start = (
            nx.shell_layout(graph, nlist=shells) if len(shells) > 1 else nx.circular_layout(graph)
        )
        laid = nx.spring_layout(
            graph, pos=start, k=2.4 / math.sqrt(len(graph)), iterations=150, seed=LAYOUT_SEED
        )
        xs = [float(p[0]) for p in laid.values()]
        ys = [float(p[1]) for p in laid.values()]
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        room = 0.85 if alone else 1.0  # leave the bottom row to the nodes with no line
        positions = {
            key: ((float(p[0]) - min(xs)) / span_x, (float(p[1]) - min(ys)) / span_y * room)
            for key, p in laid.items()
        }
    for index, key in enumerate(alone):
        positions[key] = ((index + 0.5) / len(alone), 1.0)
    return positions, alone


def _label_lines(name: str, width: int = 22) -> list[str]:
    """A name in at most two lines of about ``width`` characters (the full name is in the
    node's title)."""
    words = name.split()
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1].rstrip() + "…"]
    return [line if len(line) <= width + 8 else line[: width + 7] + "…" for line in lines]


def _shape(node: NetworkNode, x: float, y: float) -> str:
    fill = NODE_STYLES.get(node.kind, ("", "#eeeeee"))[1]
    if node.severity is not None:
        stroke = f'stroke="{SEVERITY_STYLES[node.severity].colour}" stroke-width="4"'
    else:
        stroke = 'stroke="#455a64" stroke-width="1"'
    if node.kind == "body":
        return (
            f'<rect x="{x - 13:.1f}" y="{y - 9:.1f}" width="26" height="18" rx="4"'
            f' fill="{fill}" {stroke}/>'
        )
    if node.kind == "stakeholder":
        return (
            f'<polygon points="{x:.1f},{y - 11:.1f} {x + 11:.1f},{y:.1f} {x:.1f},{y + 11:.1f}'
            f' {x - 11:.1f},{y:.1f}" fill="{fill}" {stroke}/>'
        )
    if node.kind == "channel":
        return (
            f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{fill}" {stroke}/>'
        )
    radius = 12 if node.lead else 9
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{fill}" {stroke}/>'


def _relationship(
    edge: NetworkEdge, start: tuple[float, float], end: tuple[float, float], names: dict[str, str]
) -> str:
    """A relationship as a gentle curve (so that it never hides a straight line between the
    same two partners), coloured by the lower trust and as thick as the value."""
    (x1, y1), (x2, y2) = start, end
    # The control point sits off the middle, at right angles, 15% of the length away.
    cx, cy = (x1 + x2) / 2 - (y2 - y1) * 0.15, (y1 + y2) / 2 + (x2 - x1) * 0.15
    trust = "not rated" if edge.trust is None else f"{edge.trust:.1f} of 4"
    value = "not rated" if edge.value is None else f"{edge.value:.1f} of 4"
    return (
        f'<path class="edge relationship" d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f}'
        f' {x2:.1f},{y2:.1f}" fill="none" stroke="{trust_colour(edge.trust)}"'
        f' stroke-width="{relationship_width(edge.value):.1f}" stroke-linecap="round"'
        f' data-trust="{"" if edge.trust is None else edge.trust}"'
        f' data-value="{"" if edge.value is None else edge.value}">'
        f"<title>{h(names[edge.source])} – {h(names[edge.target])}: trust {trust} (the less"
        f" trusting side's), value {value} (the two sides' mean)</title></path>"
    )


def network_svg(network: PartnershipNetwork | None) -> str:
    """The drawing as an ``<svg>`` element (empty when there is nothing to draw, a note when
    the network is too large to draw legibly)."""
    if network is None or not network.nodes:
        return ""
    if len(network.nodes) > MAX_DRAWN_NODES:
        return (
            f'<p class="note">The network has {len(network.nodes)} partners, stakeholders and'
            f" bodies: too many to draw legibly. The partner table below lists each partner's"
            " place in it.</p>"
        )
    positions, alone = _layout(network)
    count = len(network.nodes)
    size = min(900, 480 + 10 * count)  # the viewBox stays near a page's width: legible text
    margin = 160
    width, height = size + 2 * margin, size * 0.75 + 2 * margin

    def at(key: str) -> tuple[float, float]:
        x, y = positions[key]
        return margin + x * size, margin + y * size * 0.75

    centre = (width / 2, height / 2)
    parts = [
        f'<svg class="network" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f}'
        f' {height:.0f}" role="img" aria-label="The partnership network">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{EDGE_STYLES["accountability"][1]}"/></marker>'
        "</defs>",
        '<g class="edges" stroke-opacity="0.7">',
    ]
    names = {node.key: node.name for node in network.nodes}
    for edge in network.edges:
        if edge.relation == "relationship":
            parts.append(_relationship(edge, at(edge.source), at(edge.target), names))
            continue
        label, colour, dash, base = EDGE_STYLES[edge.relation]
        (x1, y1), (x2, y2) = at(edge.source), at(edge.target)
        if edge.relation == "accountability":  # stop short of the node: the arrow shows
            length = math.hypot(x2 - x1, y2 - y1) or 1.0
            x2, y2 = x2 - (x2 - x1) * 13 / length, y2 - (y2 - y1) * 13 / length
        stroke_width = base + 0.7 * math.log2(edge.count)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        arrow = ' marker-end="url(#arrow)"' if edge.relation == "accountability" else ""
        times = f" ({edge.count})" if edge.count > 1 else ""
        parts.append(
            f'<line class="edge {edge.relation}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}"'
            f' y2="{y2:.1f}" stroke="{colour}" stroke-width="{stroke_width:.1f}"{dashes}{arrow}>'
            f"<title>{h(names[edge.source])} – {h(names[edge.target])}: {h(label.lower())}"
            f"{times}</title></line>"
        )
    parts.append('</g><g class="nodes">')
    for node in network.nodes:
        x, y = at(node.key)
        kind_label = NODE_STYLES.get(node.kind, (node.kind, ""))[0]
        flagged = f"; worst finding: {node.severity}" if node.severity else ""
        lead = " (lead partner)" if node.lead else ""
        dx, dy = x - centre[0], y - centre[1]
        lines = _label_lines(node.name)
        if node.key in alone or abs(dy) > abs(dx):  # label under or over the node
            anchor, offset = "middle", 0.0
            below = node.key in alone or dy > 0
            top = y + 24 if below else y - 16 - 12 * (len(lines) - 1)
        else:  # label on the side away from the centre
            anchor, offset = ("start", 16.0) if dx > 0 else ("end", -16.0)
            top = y + 4 - 6 * (len(lines) - 1)
        weight = ' font-weight="bold"' if node.lead else ""
        tspans = "".join(
            f'<tspan x="{x + offset:.1f}" y="{top + 12 * i:.1f}">{h(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(
            f'<g class="node {h(node.kind)}" data-name="{h(node.name)}"'
            f' data-severity="{node.severity or ""}">'
            f"<title>{h(kind_label)}: {h(node.name)}{lead}{flagged}</title>"
            f"{_shape(node, x, y)}"
            f'<text text-anchor="{anchor}"{weight}>{tspans}</text></g>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def legend_html(network: PartnershipNetwork | None) -> str:
    """The drawing's legend: node kinds, line kinds and severity rings present in it."""
    if network is None or not network.nodes or len(network.nodes) > MAX_DRAWN_NODES:
        return ""
    kinds = [k for k in NODE_STYLES if any(n.kind == k for n in network.nodes)]
    relations = [r for r in EDGE_STYLES if any(e.relation == r for e in network.edges)]
    severities = [s for s in SEVERITY_STYLES if any(n.severity == s for n in network.nodes)]
    items = []
    for kind in kinds:
        shape = _shape(NetworkNode(key="legend", kind=kind, name=""), 14, 12)
        items.append(_legend_item(shape, NODE_STYLES[kind][0]))
    for relation in relations:
        if relation == "relationship":
            items += _relationship_legend(network)
            continue
        label, colour, dash, base = EDGE_STYLES[relation]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        line = (
            f'<line x1="2" y1="12" x2="26" y2="12" stroke="{colour}"'
            f' stroke-width="{base}"{dashes}/>'
        )
        items.append(_legend_item(line, label))
    for severity in severities:
        ring = (
            f'<circle cx="14" cy="12" r="8" fill="#ffffff"'
            f' stroke="{SEVERITY_STYLES[severity].colour}" stroke-width="4"/>'
        )
        items.append(_legend_item(ring, f"Worst finding about it: {severity}"))
    lead = _shape(NetworkNode(key="legend", kind="partner", name="", lead=True), 14, 12)
    if any(n.lead for n in network.nodes):
        items.append(_legend_item(lead, "Lead partner (larger, name in bold)"))
    return '<ul class="legend">' + "".join(items) + "</ul>"


def _relationship_legend(network: PartnershipNetwork) -> list[str]:
    """What a relationship's colour (trust) and thickness (value) mean."""
    items = []
    for _, label, colour in TRUST_STYLES:
        curve = f'<path d="M2,16 Q14,4 26,16" fill="none" stroke="{colour}" stroke-width="3"/>'
        items.append(_legend_item(curve, f"Partners' relationship: {label.lower()}"))
    relationships = [e for e in network.edges if e.relation == "relationship"]
    if any(e.trust is None for e in relationships):
        curve = (
            f'<path d="M2,16 Q14,4 26,16" fill="none" stroke="{NO_RATING_COLOUR}"'
            ' stroke-width="3"/>'
        )
        items.append(_legend_item(curve, "Partners' relationship: trust not rated"))
    for value, label in ((1.0, "valued not at all (1 of 4)"), (4.0, "valued a great deal (4)")):
        line = (
            f'<line x1="2" y1="12" x2="26" y2="12" stroke="#616161"'
            f' stroke-width="{relationship_width(value):.1f}"/>'
        )
        items.append(_legend_item(line, f"Thickness: {label}"))
    return items


def _legend_item(symbol: str, label: str) -> str:
    return (
        '<li><svg xmlns="http://www.w3.org/2000/svg" width="28" height="24" aria-hidden="true">'
        f"{symbol}</svg> {h(label)}</li>"
    )
