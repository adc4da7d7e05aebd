"""Small helpers every layer may use; they know no domain."""
