"""--data-dir may come after any command and any sub-command (README, "Settings"; issue 10 item 9)."""
from __future__ import annotations

import argparse
import json

from console.cli import build_parser


def test_devices_set_list_remove_take_data_dir_after_the_sub_command(cli, tmp_path):
    here, elsewhere = tmp_path / "bed", tmp_path / "env"
    env = {"BEDSIDE_CONSOLE_DATA": str(elsewhere)}  # must not be used: --data-dir wins
    result = cli("devices", "set", "monitor", "--driver", "intellivue", "--port", "/dev/ttyUSB7",
                 "--data-dir", str(here), env=env)
    assert result.returncode == 0, result.stderr
    assert (here / "devices.toml").exists() and not (elsewhere / "devices.toml").exists()
    assert "/dev/ttyUSB7" in (here / "devices.toml").read_text()
    result = cli("devices", "list", "--json", "--data-dir", str(here), env=env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(r.get("role") == "monitor" and r.get("driver") == "intellivue" for r in rows), rows
    result = cli("devices", "remove", "monitor", f"--data-dir={here}", env=env)
    assert result.returncode == 0, result.stderr
    assert "/dev/ttyUSB7" not in (here / "devices.toml").read_text()


def _paths(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """Every command path of the parser tree (("devices",), ("devices", "set"), ...)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield words, parser
        return
    yield words, parser
    for name, child in subs[0].choices.items():
        yield from _paths(child, (*words, name))


def _required(parser: argparse.ArgumentParser) -> list[str]:
    """Arguments that make a minimal valid command line for this parser (positionals and required options)."""
    out: list[str] = []
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction) or a.help == argparse.SUPPRESS:
            continue
        value = str(a.choices[0]) if a.choices else "1"
        if not a.option_strings and a.nargs not in ("?", "*"):
            out.append(value)
        elif a.option_strings and a.required:
            out += [a.option_strings[0], value]
    return out


def test_every_command_and_sub_command_parses_data_dir_after_itself(tmp_path):
    parser = build_parser()
    paths = [(w, p) for w, p in _paths(parser) if w]
    assert ("devices", "set") in [w for w, _ in paths]
    for words, sub in paths:
        argv = [*words, *_required(sub), "--data-dir", str(tmp_path)]
        args = parser.parse_args(argv)
        assert args.data_dir == str(tmp_path), argv
