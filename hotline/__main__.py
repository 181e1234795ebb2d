"""`python -m hotline` is kept as an alias of `python -m launch` (the `hotline` command)."""

from launch.cli import main

main()
