"""Service-level rules of issuance: pure, no I/O, no framework.

The cryptographic and standards work lives in :mod:`issuance.credentials`;
this package decides *when* and *with what* the service calls it.
"""
