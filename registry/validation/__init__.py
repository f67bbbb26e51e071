"""Record validation (issue 4): a record checked against a profile version, its ancestors and
the vocabulary concepts it refers to. See docs/validation.md."""
