"""`GET /meetings/{meetingId}/recordings`: by id (latest recorded instance) or by UUID."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from zoombridge.simulator.errors import ZoomError
from zoombridge.simulator.lifecycle import recording_object
from zoombridge.simulator.reports import find_meeting_any
from zoombridge.simulator.request_models.queries import RecordingQuery
from zoombridge.simulator.routing import Call
from zoombridge.simulator.state import Instance


def _no_recording() -> ZoomError:
    return ZoomError(404, 3301, "There is no recording for this meeting.")


async def get_recordings(call: Call) -> Response:
    raw = call.params["meetingId"]
    instance: Instance | None
    if raw.isdigit():
        # Webinar recordings are read through the same path, by webinar id.
        found = call.sim.world.meetings.get(int(raw))
        kind = found.kind if found is not None else "meeting"
        meeting = find_meeting_any(call, raw, kind)
        recorded = [i for i in meeting.instances if i.recording is not None]
        instance = recorded[-1] if recorded else None
    else:
        instance = call.sim.world.instances.get(raw)
        if instance is not None:
            meeting = call.sim.world.meetings[instance.meeting_id]
            if meeting.account_id != call.account.id:
                instance = None
    if instance is None or instance.recording is None:
        raise _no_recording()
    meeting = call.sim.world.meetings[instance.meeting_id]
    host = call.sim.world.users[meeting.host_id]
    body = recording_object(meeting, instance, host.email)
    body["type"] = str(meeting.type)  # this endpoint types `type` as a string
    body.pop("host_email", None)
    body.pop("timezone", None)
    if "download_access_token" in (call.query_as(RecordingQuery).include_fields or ""):
        body["download_access_token"] = instance.recording.download_token
    return JSONResponse(body)
