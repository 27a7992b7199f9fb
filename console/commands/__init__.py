"""One module per `bedside-console` sub-command.

Each module defines `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int`; `console.cli` lists
them in COMMANDS. Keeping one command per file lets each part of the program own its own command.
"""
