"""Clinical and device data as files (TOML), each with its source, validated on load.

Clinics change these numbers, guidance changes them, firmware changes device maps: so they live here as
data, never as constants in code. `load("metrics.toml")` returns a `Doc` whose getters name the file and
the field at fault when a value is missing or wrong.
"""
from __future__ import annotations

import tomllib
from importlib import resources as _pkg
from pathlib import Path
from typing import Any, Iterator

_MISSING = object()


class ResourceError(ValueError):
    """A data file is missing, unreadable, or has a field that is absent or out of range."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file, self.field, self.problem = file, field, problem
        where = f"{file}, field '{field}'" if field else file
        super().__init__(f"{where}: {problem}")


class Doc:
    """A parsed TOML table that knows which file and which field path it came from."""

    def __init__(self, data: dict[str, Any], file: str, prefix: str = "") -> None:
        self.data, self.file, self.prefix = data, file, prefix

    def _path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def keys(self) -> Iterator[str]:
        return iter(self.data.keys())

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise ResourceError(self.file, self._path(key), "is missing")
        return default

    def section(self, key: str) -> "Doc":
        value = self.raw(key)
        if not isinstance(value, dict):
            raise ResourceError(self.file, self._path(key), f"must be a table, not {value!r}")
        return Doc(value, self.file, self._path(key))

    def sections(self, key: str) -> list[tuple[str, "Doc"]]:
        table = self.section(key)
        return [(name, table.section(name)) for name in table.keys()]

    def text(self, key: str, default: Any = _MISSING, choices: tuple[str, ...] | None = None) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise ResourceError(self.file, self._path(key), f"must be text, not {value!r}")
        if choices is not None and value not in choices:
            raise ResourceError(self.file, self._path(key), f"is {value!r}; allowed: {', '.join(choices)}")
        return value

    def number(self, key: str, default: Any = _MISSING, *, min: float | None = None,
               max: float | None = None) -> float:
        value = self.raw(key, default)
        if value is None and default is None:
            return None  # type: ignore[return-value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ResourceError(self.file, self._path(key), f"must be a number, not {value!r}")
        if min is not None and value < min:
            raise ResourceError(self.file, self._path(key), f"is {value}; must be at least {min}")
        if max is not None and value > max:
            raise ResourceError(self.file, self._path(key), f"is {value}; must be at most {max}")
        return float(value)

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise ResourceError(self.file, self._path(key), f"must be true or false, not {value!r}")
        return value

    def items(self, key: str, default: Any = _MISSING) -> list[Any]:
        value = self.raw(key, default)
        if not isinstance(value, list):
            raise ResourceError(self.file, self._path(key), f"must be a list, not {value!r}")
        return value


def parse(text: str, file: str) -> Doc:
    try:
        return Doc(tomllib.loads(text), file)
    except tomllib.TOMLDecodeError as exc:
        raise ResourceError(file, "", f"is not valid TOML ({exc})") from None


def load(relpath: str) -> Doc:
    """Load a data file shipped in this package, e.g. `load("devices/masimo_ascii.toml")`."""
    try:
        text = _pkg.files(__name__).joinpath(relpath).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise ResourceError(f"resources/{relpath}", "", f"cannot be read ({exc}); reinstall the program") from None
    doc = parse(text, f"resources/{relpath}")
    doc.text("source")  # every data file says where its numbers come from
    return doc


def load_path(path: Path) -> Doc:
    """Load a TOML file from disk (a clinic's configuration), with the same field-naming errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResourceError(str(path), "", f"cannot be read ({exc.strerror or exc})") from None
    return parse(text, str(path))


def clinic_file(data_dir: Path | str | None, name: str) -> Path | None:
    """The clinic's own `name` in the data directory, or None when there is none."""
    if data_dir is None:
        return None
    path = Path(data_dir) / name
    return path if path.is_file() else None


def merge_override(base: dict[str, Any], override: dict[str, Any], file: str, prefix: str = "") -> dict[str, Any]:
    """A clinic file may change values but not invent settings: a typo must fail loudly, not be ignored."""
    merged = dict(base)
    for key, value in override.items():
        path = f"{prefix}.{key}" if prefix else key
        if key == "source" and not prefix:
            continue
        if key not in base:
            raise ResourceError(file, path, "is not a setting this program knows; check the spelling")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ResourceError(file, path, "must be a table")
            if key == "options":  # a clinic may add its own named gates, not only change ours
                merged[key] = {**base[key], **value}
            else:
                merged[key] = merge_override(base[key], value, file, path)
        else:
            merged[key] = value
    return merged


def load_with_overrides(relpath: str, data_dir: Path | str | None) -> Doc:
    """The shipped `resources/relpath` with the clinic's file of the same name in `data_dir` merged over it
    (clinic.toml, session_rules.toml): values may change, names may not be invented; a misspelt key or a
    TOML error names the clinic's file and the field (or line) and says what to do."""
    doc = load(relpath)
    path = clinic_file(data_dir, Path(relpath).name)
    if path is None:
        return doc
    return Doc(merge_override(doc.data, load_path(path).data, str(path)), str(path))
