"""The `rewards` subcommands, one module each and all alike: `HELP` (one line), `add_arguments(parser)`
and `run(args) -> int` (the exit code). A module imports its job's code inside `run`, so building
the parser costs nothing and `rewards validate` never pays for the site or the mailer.
"""

from __future__ import annotations

import argparse
from typing import Protocol


class Command(Protocol):
    """What `rewards_build.cli` needs of a command module."""

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...
