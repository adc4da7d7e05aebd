"""The events domain's worker steps: meeting links made to agree with events, the periodic
drift check, and what Zoom's meeting webhooks mean for events."""
