"""The command line imports only the page of the command it runs, and still knows every command."""

from __future__ import annotations

import subprocess
import sys

from core.cli import PAGES, parser


def _commands(p) -> list[str]:
    (sub,) = [action for action in p._actions if action.dest == "command"]
    return list(sub.choices)


def test_every_command_is_routed_to_the_page_that_adds_it():
    every = _commands(parser())
    assert sorted(c for commands in PAGES.values() for c in commands) == sorted(every)
    for commands in PAGES.values():
        for command in commands:
            assert set(commands) == set(_commands(parser(command)))


def test_help_and_unknown_words_get_the_whole_command_line():
    every = sum(len(commands) for commands in PAGES.values())
    assert len(_commands(parser("--help"))) == len(_commands(parser("nonsense"))) == every


def test_the_workers_command_does_not_import_the_simulator_or_the_benchmark():
    probe = ("import sys; from core.cli import parser; parser('workers');"
             "print(sorted(m for m in ('core.benchmark', 'core.sim.demo', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
