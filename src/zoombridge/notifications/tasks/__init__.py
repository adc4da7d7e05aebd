"""The notifications domain's worker steps: due reminders turned into emails, and the outbox
sent through SMTP."""
