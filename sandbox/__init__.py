"""`pmbot sandbox`: try pmbot in a Slack-like page, with the real app, a Slack stand-in and a sandbox clock.

runner.py starts everything; page.py serves the page (static/), its events and JSON API; people.py and
interactions.py turn what a person does into Slack's signed requests; core.py watches the stand-in;
clock.py runs the scheduled work at sandbox time; seed.py makes the first workspace; store.py keeps it.
"""
