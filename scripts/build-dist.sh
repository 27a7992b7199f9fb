#!/usr/bin/env bash
# make dist: the offline bundle, one .deb for Debian 12 / Ubuntu 22.04+ on x86-64, built on a machine with the
# network; the bedside computer then needs no network at all.
#   scripts/build-dist.sh [SOURCE_TREE [OUT_DIR]]     (defaults: this checkout, dist/)
# The bundle runs on the system's Python (3.11, 3.12 or 3.13) with every library inside /opt/bedside-console.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$(cd "${1:-$ROOT}" && pwd)"
OUT="${2:-$ROOT/dist}"
PYTHONS=(3.11 3.12 3.13)  # Debian 12 and Ubuntu 22.04 (python3.11), Ubuntu 24.04, Debian 13
PLATFORMS=(--platform manylinux_2_34_x86_64 --platform manylinux_2_31_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
           --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64 --platform linux_x86_64)
source "$ROOT/scripts/venv.sh"   # the build uses the project's .venv for pip
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

version=$("$VENV/bin/python" -c "import re,sys; print(re.search(r'__version__ = \"(.+)\"', open(sys.argv[1]).read())[1])" "$SRC/console/__init__.py")
build="${DIST_BUILD_NUMBER:-$(git -C "$SRC" rev-list --count HEAD 2>/dev/null || echo 0)}"
deb_version="$version+$build"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building bedside-console $deb_version from $SRC ..." >&2

"${PIP[@]}" wheel --no-deps -w "$work/app" "$SRC" >&2
app_wheel=$(ls "$work"/app/*.whl)
opt="$work/root/opt/bedside-console"
mkdir -p "$opt/bin" "$opt/lib/app" "$opt/lib/common" "$opt/share"
for py in "${PYTHONS[@]}"; do
    "${PIP[@]}" download --only-binary=:all: --implementation cp --python-version "$py" "${PLATFORMS[@]}" \
        -d "$work/wheels-$py" "$app_wheel" >&2
    rm -f "$work/wheels-$py"/bedside_console-*.whl
    mkdir -p "$opt/lib/py$py"
    "$VENV/bin/python" "$ROOT/scripts/unpack_wheels.py" "$work/wheels-$py" "$opt/lib/common" "$opt/lib/py$py"
done
"$VENV/bin/python" "$ROOT/scripts/unpack_wheels.py" "$work/app" "$opt/lib/app" "$opt/lib/app"
# What the console never loads: QML/Quick, Designer, Help, their tools, translations (the screens are
# English), type stubs and headers. `make dist-check` starts the pruned bundle to prove it still runs.
pyside="$opt/lib/common/PySide6"
rm -rf "$opt/lib/common/pip" "$pyside/Qt/qml" "$pyside/Qt/translations" "$pyside/Qt/metatypes" \
       "$pyside/include" "$pyside/typesystems" "$pyside/glue" "$pyside/scripts" "$pyside/Qt/libexec"
find "$pyside" -maxdepth 1 -type f \( -name '*.pyi' -o -perm -u+x ! -name '*.so*' \) -delete
for part in Qml Quick Designer Help Labs Lottie; do
    rm -f "$pyside"/Qt/lib/libQt6${part}*.so* "$pyside"/Qt${part}*.abi3.so "$pyside"/Qt${part}*.pyi
done
rm -rf "$pyside"/Qt/plugins/qml* "$pyside"/Qt/plugins/designer
# Byte-code for the Python of Debian 12 (others compile in memory at each start; /opt is read-only to users)
if command -v python3.11 >/dev/null 2>&1; then
    python3.11 -m compileall -q -j 0 "$opt/lib/app" "$opt/lib/common" "$opt/lib/py3.11" >/dev/null || true
fi

install -m 755 "$ROOT/packaging/deb/launcher" "$opt/bin/bedside-console"
install -m 755 "$ROOT/packaging/deb/bedside-console-seat" "$opt/bin/bedside-console-seat"
echo "$deb_version" > "$opt/VERSION"
sed 's|^Exec=.*|Exec=bedside-console|' "$ROOT/packaging/bedside-console.desktop" > "$work/desktop"
grep -q '^Icon=' "$work/desktop" || echo "Icon=bedside-console" >> "$work/desktop"
install -D -m 644 "$work/desktop" "$work/root/usr/share/applications/bedside-console.desktop"
{ cat "$work/desktop"; echo "X-GNOME-Autostart-enabled=true"; } > "$opt/share/bedside-console-autostart.desktop"
install -D -m 644 "$ROOT/packaging/bedside-console.svg" "$work/root/usr/share/icons/hicolor/scalable/apps/bedside-console.svg"
install -D -m 644 "$ROOT/packaging/99-bedside-console.rules" "$work/root/lib/udev/rules.d/99-bedside-console.rules"
mkdir -p "$work/root/usr/bin" "$work/root/usr/sbin"
ln -s ../../opt/bedside-console/bin/bedside-console "$work/root/usr/bin/bedside-console"
ln -s ../../opt/bedside-console/bin/bedside-console-seat "$work/root/usr/sbin/bedside-console-seat"

mkdir -p "$work/root/DEBIAN"
install -m 755 "$ROOT/packaging/deb/postinst" "$work/root/DEBIAN/postinst"
size_kb=$(du -sk "$work/root" | cut -f1)
cat > "$work/root/DEBIAN/control" <<CONTROL
Package: bedside-console
Version: $deb_version
Architecture: amd64
Maintainer: Bedside Console developers <bedside-console@localhost>
Installed-Size: $size_kb
Depends: python3 (>= 3.11) | python3.11 | python3.12, libxcb-cursor0, libxkbcommon-x11-0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-render-util0, libxcb-image0, libegl1, libfontconfig1, libdbus-1-3
Recommends: pipewire-bin | pulseaudio-utils | alsa-utils
Section: misc
Priority: optional
Description: bedside console for IV ketamine infusion sessions
 Reads the patient monitor and the infusion pump over serial ports, shows the
 vitals live, raises alarms, guides the nurse through the session and keeps
 every record on the local disk. Everything it needs is inside this package:
 it installs and runs with no network.
CONTROL
mkdir -p "$OUT"
deb="$OUT/bedside-console_${deb_version}_amd64.deb"
dpkg-deb --root-owner-group -Zzstd -z12 --build "$work/root" "$deb" >/dev/null
echo "$deb"
echo "bundle: $deb ($(du -h "$deb" | cut -f1) to carry, $((size_kb / 1024)) MB installed)" >&2
