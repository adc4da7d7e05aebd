"""The simulator's page at `/`: what arrived in an account, as plain server-rendered HTML (no
scripts, nothing fetched from elsewhere). `?hub=` picks the account, `?offset=` pages contacts."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from zoombridge.hubspot_simulator.clock import from_epoch_ms
from zoombridge.hubspot_simulator.ratelimit import limits
from zoombridge.hubspot_simulator.runtime import Simulation
from zoombridge.hubspot_simulator.state import Account, MarketingEvent
from zoombridge.hubspot_simulator.timeline import attended_seconds

CONTACTS_PER_PAGE = 200
_HIDDEN = frozenset(
    {"email", "hs_additional_emails", "hs_object_id", "createdate", "lastmodifieddate"}
)
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.muted{color:#777}.gone{color:#999;text-decoration:line-through}
code{font-size:.9em}
"""


def _e(value: object) -> str:
    return escape(str(value))


def _ms(value: int | None) -> str:
    return from_epoch_ms(value).strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


async def page(request: Request) -> Response:
    sim: Simulation = request.app.state.simulation
    try:
        hub = int(request.query_params.get("hub") or sim.config.hub_id)
        offset = max(0, int(request.query_params.get("offset") or 0))
    except ValueError:
        return HTMLResponse("<p>hub and offset are numbers.</p>", status_code=400)
    account = sim.accounts.get(hub)
    if account is None:
        return HTMLResponse(f"<p>No account {_e(hub)}.</p>", status_code=404)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>HubSpot simulator: account {account.hub_id}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>HubSpot simulator</h1>",
        _accounts(sim, account),
        _summary(sim, account),
        _contacts(account, offset),
        _properties(account),
        _events(account),
        "</body></html>",
    ]
    return HTMLResponse("".join(parts))


def _accounts(sim: Simulation, current: Account) -> str:
    links = [
        f"<b>{a.hub_id}</b>" if a is current else f'<a href="/?hub={a.hub_id}">{a.hub_id}</a>'
        for a in sim.accounts.values()
    ]
    return f"<p>Accounts: {' · '.join(links)}</p>"


def _summary(sim: Simulation, account: Account) -> str:
    burst, window_ms, daily = limits(account)
    used = sim.limits.daily_used(account, sim.clock.now())
    return (
        f"<p>Hub ID <b>{account.hub_id}</b>, tier {_e(account.tier)}"
        f"{' + API limit pack' if account.api_limit_pack else ''}, time zone "
        f"{_e(account.time_zone)}. Limits: {burst} requests per {window_ms / 1000:g} s, "
        f"{daily:,} per day ({used:,} used today). Clock: {_e(sim.clock.now().isoformat())}.</p>"
    )


def _contacts(account: Account, offset: int) -> str:
    everyone = list(account.contacts.values())
    shown = everyone[offset : offset + CONTACTS_PER_PAGE]
    rows = []
    for c in shown:
        extra = "<br>".join(
            f"<code>{_e(k)}</code> = {_e(v)}"
            for k, v in sorted(c.properties.items())
            if k not in _HIDDEN
        )
        timeline = "<br>".join(
            f"{_e(t.at.strftime('%Y-%m-%d %H:%M'))} {_e(t.kind)} <i>{_e(t.event_name)}</i>"
            + (f" ({t.details['attendedSeconds']} s)" if "attendedSeconds" in t.details else "")
            for t in c.timeline
        )
        rows.append(
            f"<tr class={'gone' if c.archived else ''}><td>{c.id}</td><td>{_e(c.email)}</td>"
            f"<td>{_e(', '.join(c.secondary_emails))}</td><td>{extra}</td>"
            f"<td>{timeline}</td><td>{'archived' if c.archived else ''}</td></tr>"
        )
    nav = ""
    if len(everyone) > CONTACTS_PER_PAGE:
        nxt = offset + CONTACTS_PER_PAGE
        nav = (
            f"<p class=muted>Showing {offset + 1}–{offset + len(shown)} of {len(everyone)}. "
            + (
                f'<a href="/?hub={account.hub_id}&offset={nxt}">Next</a>'
                if nxt < len(everyone)
                else ""
            )
            + "</p>"
        )
    return (
        f"<h2>Contacts ({len(everyone)})</h2>{nav}<table><tr><th>id</th><th>email</th>"
        "<th>secondary emails</th><th>properties</th><th>timeline</th><th></th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _properties(account: Account) -> str:
    rows = "".join(
        f"<tr><td>{_e(p.group_name)}</td><td><code>{_e(p.name)}</code></td><td>{_e(p.label)}</td>"
        f"<td>{_e(p.type)} / {_e(p.field_type)}</td>"
        f"<td>{'HubSpot' if p.hubspot_defined else 'custom'}</td></tr>"
        for p in sorted(account.properties.values(), key=lambda p: (p.hubspot_defined, p.name))
    )
    return (
        f"<h2>Contact properties ({len(account.properties)})</h2><table><tr><th>group</th>"
        "<th>name</th><th>label</th><th>type</th><th></th></tr>" + rows + "</table>"
    )


def _events(account: Account) -> str:
    parts = [f"<h2>Marketing events ({len(account.events)})</h2>"]
    for event in account.events.values():
        parts.append(_event(account, event))
    return "".join(parts)


def _event(account: Account, event: MarketingEvent) -> str:
    f = event.fields
    state = ", ".join(
        word
        for word, on in (
            ("cancelled", f.get("eventCancelled")),
            ("completed", f.get("eventCompleted")),
        )
        if on
    )
    counters = event.counters()
    rows = "".join(
        f"<tr><td>{_e(account.contacts[p.contact_id].email)}</td><td>{_e(p.state)}</td>"
        f"<td>{_ms(p.occurred_at_ms)}</td><td>{_ms(p.joined_at_ms)}</td><td>{_ms(p.left_at_ms)}"
        f"</td><td>{attended_seconds(event, p.contact_id) if p.state == 'ATTENDED' else ''}</td>"
        f"<td>{p.repeats or ''}</td></tr>"
        for p in event.participations
    )
    return (
        f"<h3>{_e(event.name)} <span class=muted>({_e(event.external_account_id)} / "
        f"{_e(event.external_event_id)}, object {event.object_id}"
        f"{', ' + state if state else ''})</span></h3>"
        f"<p>{_e(f.get('startDateTime', ''))} – {_e(f.get('endDateTime', ''))} · "
        f"{_e(f.get('eventOrganizer', ''))} · {_e(f.get('eventUrl', ''))}<br>"
        f"registered {counters['registered']}, attended {counters['attended']}, cancelled "
        f"{counters['cancelled']}, no-shows {counters['noShows']}</p>"
        "<table><tr><th>email</th><th>state</th><th>at</th><th>joined</th><th>left</th>"
        "<th>attended s</th><th>repeats</th></tr>" + rows + "</table>"
    )
