"""The orders domain's worker steps: registrations sent to Zoom (batched), and what Zoom's
registration webhooks mean for them."""
