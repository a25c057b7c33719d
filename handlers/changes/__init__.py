"""Change requests: `/change`, routed to the approvers, approved (moving baselines), rejected or sent back."""
