"""Who is calling: citizens (SMS code, WeChat), staff (password), kiosks (device key), tokens."""
