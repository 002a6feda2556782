import signal
import sys

# Guarded, and the command line imported only here: the race renderer's spawned worker processes
# import this module again, and need none of it.
if __name__ == "__main__":
    import os

    # No command multiplies matrices, and OpenBLAS starting a thread per core as numpy loads cost
    # 0.09 s of CPU a run: a tenth of a `workers` run on 10,000 answers. A user's own setting stands.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli import main

    # Piping into `head` must end quietly, as other Unix tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
