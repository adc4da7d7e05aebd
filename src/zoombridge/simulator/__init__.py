"""Zoom, simulated: an ASGI app and HTTP server that behave like Zoom's API for zoombridge.

It shares no code with the Zoom client (`zoombridge.zoom`): both are checked against Zoom's
own specs, so a misunderstanding of Zoom cannot hide by being mirrored on both sides.
"""

from zoombridge.simulator.app import create_app
from zoombridge.simulator.config import FaultConfig, SimulatorConfig
from zoombridge.simulator.server import SimulatorServer

__all__ = ["FaultConfig", "SimulatorConfig", "SimulatorServer", "create_app"]
