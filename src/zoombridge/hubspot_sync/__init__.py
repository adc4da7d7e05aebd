"""HubSpot sync: contacts, Zoom properties and webinar participations written to HubSpot."""
