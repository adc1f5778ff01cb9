"""Coverage-guided fuzzing of bid's parsers: see README.md in this directory."""
