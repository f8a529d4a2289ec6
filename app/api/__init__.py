"""HTTP routers: parse, call a service, return a schema. No SQL and no geometry maths here."""
