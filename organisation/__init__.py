"""The organisation: units, categories and routing rules, administered within a scope."""
