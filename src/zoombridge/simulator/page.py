"""A page to drive the simulator by hand (`/_sim/`): see its meetings and registrants, delete or
change a meeting, start and end it, make people join and leave.

Each button does what Zoom itself would do, with the same webhooks (meeting.deleted, .updated,
.started, participant_joined …), so zoombridge's drift, status and attendance follow exactly as
they would with a real account. Plain HTML forms (POST, then back to the page): no script.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from zoombridge.simulator import lifecycle
from zoombridge.simulator.clock import zoom_time
from zoombridge.simulator.meetings import announce_update, remove, snapshot
from zoombridge.simulator.runtime import Simulation
from zoombridge.simulator.state import Meeting

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1d2433}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #dde;padding:.35rem .4rem;text-align:left;vertical-align:top}
form{display:inline-block;margin:.15rem .3rem .15rem 0}input{padding:.25rem;max-width:14rem}
button{padding:.3rem .7rem;border:1px solid #778;border-radius:4px;background:#f4f5f8}
button.danger{border-color:#b33;color:#b33}.muted{color:#667}.note{background:#fff8e1;padding:.5rem}
@media (max-width:600px){td,th{display:block}}
"""


def _sim(request: Request) -> Simulation:
    sim: Simulation = request.app.state.simulation
    return sim


def _page(title: str, body: str, note: str = "") -> HTMLResponse:
    banner = f'<p class="note" role="status">{escape(note)}</p>' if note else ""
    return HTMLResponse(
        f"<!doctype html><html lang=en><meta charset=utf-8>"
        f'<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style>"
        f'<p><a href="/_sim/">Zoom simulator</a></p><h1>{escape(title)}</h1>{banner}{body}'
    )


def _button(action: str, label: str, fields: str = "", css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return (
        f'<form method="post" action="{escape(action)}">{fields}'
        f"<button{klass} type=submit>{escape(label)}</button></form>"
    )


def _live_meetings(sim: Simulation) -> list[Meeting]:
    meetings = [m for m in sim.world.meetings.values() if not m.deleted]
    return sorted(meetings, key=lambda m: m.start_time)


async def index(request: Request) -> Response:
    sim = _sim(request)
    rows = []
    for m in _live_meetings(sim):
        live = m.live_instance is not None
        rows.append(
            f'<tr><td><a href="/_sim/meetings/{m.id}/page">{m.id}</a></td>'
            f"<td>{escape(m.kind)}</td><td>{escape(m.topic)}</td>"
            f"<td>{escape(zoom_time(m.start_time))}</td>"
            f"<td>{m.active_registrants}</td><td>{'live' if live else ''}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>ID</th><th>Kind</th><th>Topic</th><th>Start (UTC)</th>"
        f"<th>Registrants</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else '<p class="muted">No meetings or webinars yet.</p>'
    )
    return _page(
        "Zoom simulator",
        "<p class=muted>The meetings and webinars of the simulated Zoom accounts. Open one to "
        "change or delete it, start and end it, and make people join and leave.</p>" + table,
        request.query_params.get("note", ""),
    )


def _meeting(request: Request) -> Meeting:
    return lifecycle.find(_sim(request), request.path_params["meeting_id"])


async def meeting_page(request: Request) -> Response:
    m = _meeting(request)
    base = f"/_sim/meetings/{m.id}/page"
    live = m.live_instance
    registrants = "".join(
        f"<tr><td>{escape(r.first_name)} {escape(r.last_name)}</td><td>{escape(r.email)}</td>"
        f"<td>{escape(r.status)}</td><td>"
        + (
            _button(
                f"{base}/join",
                "Joins",
                f'<input type=hidden name=email value="{escape(r.email)}">'
                f'<input type=hidden name=name value="{escape(f"{r.first_name} {r.last_name}")}">'
                f'<input type=hidden name=registrant_id value="{escape(r.id)}">',
            )
            if live
            else ""
        )
        + "</td></tr>"
        for r in m.registrants.values()
    )
    people = ""
    if live is not None:
        inside = [
            p for p in live.participants.values() if p.segments and p.segments[-1].leave is None
        ]
        people = "".join(
            f"<tr><td>{escape(p.name)}</td><td>{escape(p.email) or '<i>guest, no email</i>'}</td>"
            f"<td>{len(p.segments)}</td><td>"
            + _button(
                f"{base}/leave",
                "Leaves",
                f'<input type=hidden name=participant_uuid value="{escape(p.participant_uuid)}">',
            )
            + "</td></tr>"
            for p in inside
        )
    start = zoom_time(m.start_time)
    body = [
        f"<p>{escape(m.kind.title())} {m.id} · starts {escape(start)} UTC · {m.duration} min · "
        f"{'<b>live</b>' if live else 'not live'} · {len(m.ended_instances)} ended instance(s)</p>",
        "<h2>Change it in Zoom</h2>",
        f'<form method="post" action="{base}/update"><label>Topic '
        f'<input name=topic value="{escape(m.topic)}"></label> <label>Start (UTC) '
        f'<input name=start_time value="{escape(start)}"></label> <label>Minutes '
        f'<input name=duration type=number min=1 value="{m.duration}"></label> '
        "<button type=submit>Save in Zoom</button></form>",
        _button(f"{base}/delete", f"Delete this {m.kind} in Zoom", css="danger"),
        "<h2>Run it</h2>",
        _button(f"{base}/end", "End it") if live else _button(f"{base}/start", "Start it"),
    ]
    if live is not None:
        body.append(
            _button(
                f"{base}/join",
                "A guest joins",
                '<input name=name placeholder="Name" value="Guest">'
                '<input name=email placeholder="email (guests have none)">',
            )
        )
        body.append(
            "<h2>In the meeting now</h2>"
            + (
                "<table><thead><tr><th>Name</th><th>Email</th><th>Visits</th><th></th></tr>"
                f"</thead><tbody>{people}</tbody></table>"
                if people
                else "<p class=muted>Nobody.</p>"
            )
        )
    body.append(
        "<h2>Registrants</h2>"
        + (
            "<table><thead><tr><th>Name</th><th>Email</th><th>Status</th><th></th></tr></thead>"
            f"<tbody>{registrants}</tbody></table>"
            if registrants
            else "<p class=muted>None.</p>"
        )
    )
    return _page(m.topic, "".join(body), request.query_params.get("note", ""))


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _back(meeting: Meeting, note: str) -> Response:
    return RedirectResponse(f"/_sim/meetings/{meeting.id}/page?note={quote(note)}", 303)


async def update(request: Request) -> Response:
    sim = _sim(request)
    m = _meeting(request)
    form = await _form(request)
    before = snapshot(m)
    topic = form.get("topic", "").strip()
    if topic:
        m.topic = topic[:200]
    raw = form.get("start_time", "").strip()
    if raw:
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return _back(m, f"Not a time: {raw}. Write it as 2031-03-04T15:00:00Z.")
        m.start_time = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    minutes = form.get("duration", "").strip()
    if minutes.isdigit() and int(minutes) > 0:
        m.duration = int(minutes)
    announce_update(sim, m, before, None, sim.clock.now())
    return _back(m, "Changed in Zoom: zoombridge hears of it by webhook.")


async def delete(request: Request) -> Response:
    sim = _sim(request)
    m = _meeting(request)
    remove(sim, m)
    note = f"{m.kind.title()} {m.id} deleted in Zoom: zoombridge hears of it by webhook."
    return RedirectResponse(f"/_sim/?note={quote(note)}", 303)


async def start(request: Request) -> Response:
    sim = _sim(request)
    m = _meeting(request)
    lifecycle.start(sim, m, None, None)
    return _back(m, "Started.")


async def end(request: Request) -> Response:
    sim = _sim(request)
    m = _meeting(request)
    lifecycle.end(sim, m)
    return _back(m, "Ended: Zoom's participants report of it is ready.")


async def join(request: Request) -> Response:
    sim = _sim(request)
    m = _meeting(request)
    form = await _form(request)
    name = form.get("name", "").strip() or "Guest"
    lifecycle.join(
        sim,
        m,
        name=name,
        email=form.get("email", "").strip(),
        registrant_id=form.get("registrant_id") or None,
        participant_uuid=None,
    )
    return _back(m, f"{name} joined.")


async def leave(request: Request) -> Response:
    sim = _sim(request)
    m = _meeting(request)
    form = await _form(request)
    person, _ = lifecycle.leave(sim, m, form.get("participant_uuid", ""))
    return _back(m, f"{person.name} left.")


def page_routes() -> list[Route]:
    return [
        Route("/", index, methods=["GET"]),
        Route("/meetings/{meeting_id}/page", meeting_page, methods=["GET"]),
        Route("/meetings/{meeting_id}/page/update", update, methods=["POST"]),
        Route("/meetings/{meeting_id}/page/delete", delete, methods=["POST"]),
        Route("/meetings/{meeting_id}/page/start", start, methods=["POST"]),
        Route("/meetings/{meeting_id}/page/end", end, methods=["POST"]),
        Route("/meetings/{meeting_id}/page/join", join, methods=["POST"]),
        Route("/meetings/{meeting_id}/page/leave", leave, methods=["POST"]),
    ]
