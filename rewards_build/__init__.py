"""Marketplace Rewards: the program as data, a static benefits site, and (in ../notifier) the mailer."""

__version__ = "0.1.0"
