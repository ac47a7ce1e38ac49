"""The live ops page: event flow, consumer lag, dead letters (with replay) and traces.

A read-only view over the same modules the `credmarket-ops` CLI uses; the only
write is a dead-letter replay, through the same ledger.
"""
