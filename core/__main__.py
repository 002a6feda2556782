import signal
import sys

from .cli import main

# Guarded: the race renderer's spawned worker processes import this module again.
if __name__ == "__main__":
    # Piping into `head` must end quietly, as other Unix tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
