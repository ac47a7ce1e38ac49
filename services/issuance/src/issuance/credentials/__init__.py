"""Pure, I/O-free credential core of the issuance service.

Open Badges 3.0 credentials (W3C VC Data Model 2.0) signed with Data Integrity
``eddsa-rdfc-2022`` proofs by issuer keys published in ``did:web`` documents,
revocable through W3C Bitstring Status Lists. One idea per module:

- :mod:`.document_loader` - offline JSON-LD contexts (vendored under ``issuance/contexts``)
- :mod:`.canonical` - RDFC-1.0 canonicalisation that refuses undefined terms
- :mod:`.keys` - Ed25519 keys, Multikey encoding, KEK-encrypted storage form
- :mod:`.did_web` - did:web identifiers, DID documents, resolution via injected fetch
- :mod:`.ob3` - OpenBadgeCredential builder
- :mod:`.schema` - validation against the official OB 3.0 JSON Schema
- :mod:`.signing` - eddsa-rdfc-2022 proofs (sign / verify)
- :mod:`.status_list` - Bitstring Status List encoding, entries, list credentials
- :mod:`.verification` - full verification with per-check results
"""
