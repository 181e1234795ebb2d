"""Published results: consent, review and redaction, publishing, and the public read side."""
