"""HubSpot, simulated: an ASGI app and HTTP server that behave like HubSpot's API for zoombridge.

It shares no code with the HubSpot client (`zoombridge.hubspot`) and never reads HubSpot's
specs at run time: both sides are checked against those specs by the tests, so a
misunderstanding of HubSpot cannot hide by being mirrored on both sides.
"""

from zoombridge.hubspot_simulator.app import create_app
from zoombridge.hubspot_simulator.config import FaultConfig, HubSpotSimulatorConfig
from zoombridge.hubspot_simulator.server import HubSpotSimulatorServer
from zoombridge.hubspot_simulator.workflows import signature_v3

__all__ = [
    "FaultConfig",
    "HubSpotSimulatorConfig",
    "HubSpotSimulatorServer",
    "create_app",
    "signature_v3",
]
