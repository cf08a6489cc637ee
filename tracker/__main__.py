"""`python -m tracker`: the `tracker` command, where its script is not on the PATH."""

from tracker.cli import main

if __name__ == "__main__":  # not when a worker process imports this module
    main()
