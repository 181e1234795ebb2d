"""Process-level plumbing shared by every package: settings, database bootstrap, keys, CLI."""
