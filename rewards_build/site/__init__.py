"""The static benefits site: decide pages from the model and the rules, render, write atomically.

Entry points: `build.build` (one function, read top to bottom) and `command` (the CLI edge).
"""
