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
    code = main()
    # The command is done: its files written and closed, its output printed. What a normal exit does
    # next is free every module and object one by one (DuckDB's database, the tables, pandas): 0.15 s of
    # CPU after `workers` on 10,000 answers, a tenth of the run. So the output is flushed, the exit
    # handlers run (temporary folders, logging), and the process ends at once, unless a thread of ours
    # is still at work, which a normal exit would wait for.
    import atexit
    import threading

    sys.stdout.flush()
    sys.stderr.flush()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    os._exit(code or 0)
