"""Business rules for contacts (H1–H9), shared by the REST API, the web UI and the worker.

Services write rows and never call Zoom; the worker lists hosts and webinars, syncs each
webinar, and sends register requests (`contacts.tasks`). Modules by what they do:

- `resolve`: from emails to contacts, many at a time (create, secondary emails, tombstones);
- `people`: contacts by hand: create, change, secondary emails, merge, delete, restore;
- `properties`: a contact's properties worked out again (H4);
- `timeline`: a contact's timeline from its sources (H5);
- `segments`: conditions, counts, pages, CSV, saved segments (H6);
- `settings`: the CRM settings and hosts (H2, H3);
- `webinars`: synced webinars, sync now, their audit, attendees linked by hand (H7, H8);
- `register`: the register action and inbound automation webhooks (H9).
"""
