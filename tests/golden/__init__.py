"""Golden-output tests: the whole site and the dry-run outbox of the mini fixture, byte for byte."""
