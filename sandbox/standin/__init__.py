"""The Slack stand-in: a local Web API that answers every method pmbot uses, enforcing Slack's rules.

One stand-in serves the test suite, the benchmarks and `pmbot sandbox`.
"""

from sandbox.standin.server import Call, FakeSlack

__all__ = ["Call", "FakeSlack"]
