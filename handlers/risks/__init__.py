"""The RAID log: `/risk`, its forms and review buttons, the cards and the review nudges."""
