"""Action items: `/action`, its buttons and form, the notices and the reminders."""
