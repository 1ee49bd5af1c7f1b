"""The chrono code generator: schema files -> a typed Python package (SPEC §3, §4)."""
