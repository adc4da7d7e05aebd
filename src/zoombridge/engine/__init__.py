"""The sync engine: claims and leases, outcomes, backoff, shared Zoom limits, the audit log, the
webhook inbox and the loop that runs the steps the domains register. It imports no domain."""
