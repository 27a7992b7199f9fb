"""Unpack a folder of wheels into the bundle's library folders (no pip on the target machine).

A wheel whose ABI tag is `none` or `abi3` works on every Python the bundle supports and goes to `common`
once; any other (numpy's cp311, cp312, ...) goes to the folder of its Python. `.data/purelib|platlib` are
merged into the root, as an installer would; scripts and headers are left out (the launcher runs `-m`).
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def place(wheel: Path, common: Path, versioned: Path) -> Path:
    abi = wheel.name[:-4].split("-")[-2]
    return common if abi in ("none", "abi3") else versioned


def unpack(wheel: Path, target: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            name = info.filename
            parts = name.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                name = "/".join(parts[2:])
            if not name or name.endswith("/"):
                continue
            dest = target / name
            if dest.exists():
                continue  # an abi3/none wheel shared by several Pythons is unpacked once
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(z.read(info))
            if (info.external_attr >> 16) & 0o111:
                dest.chmod(0o755)


def main(wheels: str, common: str, versioned: str) -> None:
    for wheel in sorted(Path(wheels).glob("*.whl")):
        unpack(wheel, place(wheel, Path(common), Path(versioned)))


if __name__ == "__main__":
    main(*sys.argv[1:])
