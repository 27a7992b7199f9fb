"""`bedside-console`: the entry point and its sub-commands (design.md, "Command line contract").

Every failure a user can cause (a missing port, a typo in a driver name, a bad config file) ends as one
line on stderr and a non-zero exit; a traceback would mean a bug in this program.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from console import __version__
from console.errors import UserError

#: Sub-command modules under console/commands/, in the order `--help` lists them.
COMMANDS = (
    "run", "demo", "ports", "drivers", "probe", "simulate", "setup_devices",
    "verify_records", "dose", "export", "backup", "restore", "ledger", "alarms", "report",
    "station",  # central nurses' station (issue #11)
)

PROG = "bedside-console"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, like every other failure here
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


#: build_parser(): every command's arguments (the default)
EVERY = "*"


def build_parser(command: str | None = EVERY) -> argparse.ArgumentParser:
    """The whole command line. `command` names the one command whose own arguments are added (None: none,
    for the program's --help and --version): the others are listed with their help line only, so a start of
    one command does not import what every other needs (console/commands/* import their parts when run)."""
    parser = _Parser(prog=PROG, description="Bedside Console: vitals, alarms, guided ketamine infusion "
                     "sessions and local records beside the infusion chair. With no command it starts the "
                     "console (the demo with simulated devices when no device is configured).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_data_dir(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"console.commands.{name}")
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.__doc__)
        if command == EVERY or command == module.NAME:
            module.add_arguments(p)
            add_data_dir_everywhere(p)
        p.set_defaults(_run=module.run)
    return parser


def add_data_dir_everywhere(parser: argparse.ArgumentParser) -> None:
    """--data-dir is accepted before or after the command, for every command and every sub-command
    (`devices set monitor ... --data-dir D`): argparse only lets an option follow the word of the
    parser that declares it, so each parser in the tree gets its own copy (all write the same field)."""
    try:
        add_data_dir(parser)
    except argparse.ArgumentError:
        pass  # the command declares it itself
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                add_data_dir_everywhere(child)


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="where the database and configuration live (default: $BEDSIDE_CONSOLE_DATA, "
                             "else the platform's user data directory)")


def command_word(argv: list[str]) -> str | None:
    """The command the user typed; "" when none (everything given is for `run`); None for the program's own
    -h/--help/--version."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--data-dir":
            i += 2
        elif arg.startswith("--data-dir="):
            i += 1
        elif arg.startswith("-"):
            return None if arg in ("-h", "--help", "--version") else ""  # those are the program's; any other is run's
        else:
            return arg  # the first word is the command (a typo is reported by the parser)
    return ""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    word = command_word(argv)
    parser = build_parser("run" if word == "" else word)
    args = parser.parse_args(argv if word != "" else ["run", *argv])
    if not hasattr(args, "data_dir"):
        args.data_dir = None
    args.argv = argv  # what a restart after a crash runs again
    try:
        return int(args._run(args) or 0)
    except UserError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
