"""The outbox keys, one module per feature: the only place a key's text is spelled.

A key names one message for good: the outbox queues a key once, and rows already queued carry these exact
strings, so a key's text never changes. The prefixes that cancelling and finding messages match on are built
by the same module as the keys they match.
"""
