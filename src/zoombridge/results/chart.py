"""The attendance chart of a course event: one stacked bar per session (attended, partial,
absent, pending learners), drawn as SVG on the server (no script, nothing from a CDN)."""

from __future__ import annotations

from html import escape

from zoombridge.results.schemas import SessionColumn

COLOURS = (
    ("attended", "#17803d"),
    ("partial", "#d49100"),
    ("absent", "#b42318"),
    ("pending", "#98a2b3"),
)
BAR = 46
GAP = 22
HEIGHT = 180
TOP = 24
LEFT = 40


def attendance_svg(columns: list[SessionColumn]) -> str:
    total = max((c.attended + c.partial + c.absent + c.pending for c in columns), default=0)
    width = LEFT + len(columns) * (BAR + GAP) + GAP + 160
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{HEIGHT + TOP + 40}" viewBox="0 0 {width} {HEIGHT + TOP + 40}" '
        'aria-label="Attendance per session" data-testid="attendance-chart" '
        'font-family="system-ui, sans-serif" font-size="12">',
        "<title>Attendance per session</title>",
        f'<line x1="{LEFT}" y1="{TOP + HEIGHT}" x2="{width - 160}" y2="{TOP + HEIGHT}" '
        'stroke="#667085"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{total}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + HEIGHT}" text-anchor="end">0</text>',
    ]
    for index, column in enumerate(columns):
        x = LEFT + GAP + index * (BAR + GAP)
        y: float = TOP + HEIGHT
        for name, colour in COLOURS:
            count = int(getattr(column, name))
            if not count or not total:
                continue
            h = HEIGHT * count / total
            y -= h
            parts.append(
                f'<rect class="bar {name}" x="{x}" y="{y:.1f}" width="{BAR}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(column.label or f"Session {index + 1}")}: '
                f"{count} {name}</title></rect>"
            )
        label = escape((column.label or f"Session {index + 1}")[:14])
        parts.append(
            f'<text x="{x + BAR / 2}" y="{TOP + HEIGHT + 16}" text-anchor="middle">{label}</text>'
        )
    legend_x = width - 150
    for row, (name, colour) in enumerate(COLOURS):
        y = TOP + row * 20
        parts.append(f'<rect x="{legend_x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 18}" y="{y + 11}">{name}</text>')
    parts.append("</svg>")
    return "".join(parts)
