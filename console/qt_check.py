"""Before a real window opens: is there a display, and are Qt's xcb libraries installed?

Without this, a machine missing one library prints Qt's "could not load the Qt platform plugin xcb"
dump, which names no package. Here the xcb plugin is loaded in this process (the dynamic loader resolves every
library it needs, as Qt's own load will a moment later: nothing is read twice, no process is started); only
when that fails is `ldd` asked for every library the plugin cannot find, and the Debian/Ubuntu packages that
provide them are named.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from console.errors import UserError

#: shared library -> Debian/Ubuntu package
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0", "libxkbcommon.so.0": "libxkbcommon0", "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1", "libfontconfig.so.1": "libfontconfig1", "libdbus-1.so.3": "libdbus-1-3",
    "libxcb-xinerama.so.0": "libxcb-xinerama0", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libX11-xcb.so.1": "libx11-xcb1", "libxcb.so.1": "libxcb1",
}


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries `plugin` needs that this machine does not have (empty when it loads).

    The plugin is loaded here (RTLD_LAZY: its libraries are found and mapped, its symbols bound when used) and
    stays loaded, for Qt to reuse. A start-up on a sound machine pays no process for this check (`ldd` took
    0.08 s warm, more from a cold file cache: docs/benchmarks.md, "Cold start"); a failed load asks `ldd`,
    which lists every missing library, where the loader's message names only the first."""
    if not plugin.exists():
        return []
    error = load_error(plugin)
    if error is None:
        return []
    missing = parse_ldd(subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout) \
        if shutil.which("ldd") else []
    return missing or parse_load_error(error)


def load_error(library: Path) -> str | None:
    """None when the dynamic loader can load `library` with everything it needs, else its message."""
    import ctypes
    try:
        ctypes.CDLL(str(library), mode=os.RTLD_LAZY)
    except OSError as exc:
        return str(exc)
    return None


def parse_load_error(message: str) -> list[str]:
    """The library a failed load names ("libfoo.so.1: cannot open shared object file ...")."""
    found = re.search(r"(\S+\.so[.\d]*): cannot open shared object file", message)
    return [found.group(1)] if found else []


def parse_ldd(text: str) -> list[str]:
    return sorted(set(re.findall(r"^\s*(\S+) => not found", text, re.MULTILINE)))


def install_advice(missing: list[str]) -> str:
    packages = sorted({PACKAGES.get(lib, lib) for lib in missing})
    return (f"Qt cannot open a window: missing {', '.join(missing)}. Install them with: "
            f"sudo apt-get install {' '.join(packages)}")


def xcb_plugin() -> Path:
    import PySide6
    return Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def check_display() -> None:
    """Raise UserError with what to install or set when a real window cannot open."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return  # offscreen, wayland, ... : the user chose
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise UserError("no display: run this on the bedside computer's desktop, or set DISPLAY "
                        "(for a virtual screen: `Xvfb :99 &` then `DISPLAY=:99 ./bedside`)")
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        return
    missing = missing_libraries(xcb_plugin())
    if missing:
        raise UserError(install_advice(missing))
