"""`python -m tracker`: the `tracker` command, where its script is not on the PATH."""

from tracker.cli import main

main()
