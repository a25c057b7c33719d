"""`/pm`: help, the project's settings, exports and a person's data removed on request."""
