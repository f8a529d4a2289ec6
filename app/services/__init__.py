"""Use cases: orchestrate repositories and the geo library. Services flush; the caller's unit of work commits."""
