"""The transactional outbox and its delivery channels."""
