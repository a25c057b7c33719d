"""The decision log: `/decision`, its forms and approval buttons, the cards and the nudges."""
