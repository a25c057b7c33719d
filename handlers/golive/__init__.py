"""Go-live runbooks: steps at T-minus times, reminders in the owner's zone, the go/no-go poll, the live timeline."""
