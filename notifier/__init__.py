"""The cron notifier: plans, composes and sends program mail, recording each message in a ledger."""
