"""The contacts domain's worker steps and webhook handlers:

- `listing`: per connection in scope, the Zoom account's users and its hosts' webinars;
- `sync`: each due webinar synced in full (`facts`, `registrants`, `attendees`, `recordings`;
  `run` keeps the sync's notes and counts and makes each write stay with its item);
- `registering`: register requests sent to Zoom (H9);
- `webhooks`: Zoom's webinar events bring a webinar's next sync forward.
"""
