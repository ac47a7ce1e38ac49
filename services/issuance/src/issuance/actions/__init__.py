"""What the service does inside one unit of work: shared by handlers and the API.

Each action takes an open session and the service's runtime (issuance.runtime); the caller
owns the transaction (commit, rollback, emitted events).
"""
