"""The audit log: who did what to which record, before and after, in one hash chain."""
