"""Moved: the run is notifier/notify.py, the command line rewards_build/commands/notify.py.

Kept only for importers not yet updated (tests/notifier/test_pipelining.py); import from
notifier.notify instead.
"""

from .notify import Options, notify, show_status

__all__ = ["Options", "notify", "show_status"]
