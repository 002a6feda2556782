import signal
import sys

from .cli import main

# Piping into `head` must end quietly, as other Unix tools do.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
sys.exit(main())
