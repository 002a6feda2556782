import signal
import sys

# Guarded, and the command line imported only here: the race renderer's spawned worker processes
# import this module again, and need none of it.
if __name__ == "__main__":
    from .cli import main

    # Piping into `head` must end quietly, as other Unix tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
