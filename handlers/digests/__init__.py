"""Status and digests: `/pm status`, `/digest`, the weekly and escalation digests."""
