"""The platform-neutral core: the registry (manifest, schemas, handlers, mappings checked at load),
params, outcomes and the one error table, the envelope, the context, redaction and times.
It imports nothing above it (see docs/architecture.md)."""
