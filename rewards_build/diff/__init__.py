"""`rewards diff`: the program at BASE against the program at HEAD, assessed by the same rules on
the same day (a terraform plan for content changes). run.py is the entry point; see docs/diff.md."""
