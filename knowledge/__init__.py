"""The knowledge base (service items, FAQ, policies), Chinese segmentation and search indexes,
similar-case lookup."""
