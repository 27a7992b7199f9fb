#!/usr/bin/env bash
# make dist-check: build the offline bundle, then install and start it where there is no network at all
# (a network namespace with no interface but a downed loopback, as root), into a clean prefix, with none of
# this checkout's Python environment: --version, drivers, a 5 s demo offscreen; then an upgrade from the
# previous bundle that keeps the existing database.
#   DIST_PREVIOUS=REF  the commit whose bundle is "the previous one" (default: the main of 2026-11-26, the
#                      last that landed before the bundle existed; the same build recipe is applied to it)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PREVIOUS="${DIST_PREVIOUS:-8859f24}"
[ "$(id -u)" -eq 0 ] || { echo "dist-check: run as root (it uses unshare -n)" >&2; exit 1; }
work=$(mktemp -d /tmp/bedside-dist-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

new_deb=$("$ROOT/scripts/build-dist.sh" "$ROOT" "$work/new" | tail -n 1)
mkdir -p "$work/prev-src"
git -C "$ROOT" archive "$PREVIOUS" | tar -x -C "$work/prev-src"
prev_deb=$(DIST_BUILD_NUMBER=$(git -C "$ROOT" rev-list --count "$PREVIOUS") \
    "$ROOT/scripts/build-dist.sh" "$work/prev-src" "$work/prev" | tail -n 1)

cat > "$work/inside.sh" <<'INSIDE'
set -euo pipefail
say() { echo "dist-check: $*"; }
if ip -o link 2>/dev/null | grep -v ': lo:' | grep -q .; then say "FAIL: the namespace has a network interface"; exit 1; fi
if getent hosts pypi.org >/dev/null 2>&1; then say "FAIL: names resolve, so there is a network"; exit 1; fi
say "no network: only a downed loopback"
prefix="$WORK/prefix"; data="$WORK/data"
bc="$prefix/opt/bedside-console/bin/bedside-console"
dpkg-deb -x "$PREV_DEB" "$prefix"
say "previous bundle: $("$bc" --version) ($(cat "$prefix/opt/bedside-console/VERSION"))"
"$bc" demo --data-dir "$data" --seconds 5 2>"$WORK/prev-demo.err"
before=$("$bc" verify-records --data-dir "$data" | tee /dev/stderr | sed -n 's/.*intact: \([0-9]*\) events.*/\1/p')
rm -rf "$prefix/opt/bedside-console"     # as dpkg does with the old version's files
dpkg-deb -x "$NEW_DEB" "$prefix"
say "new bundle: $("$bc" --version) ($(cat "$prefix/opt/bedside-console/VERSION"))"
"$bc" drivers >/dev/null && say "drivers: $("$bc" drivers | wc -l) lines"
start=$(date +%s)
"$bc" demo --data-dir "$data" --seconds 5 2>"$WORK/new-demo.err"
say "demo ran 5 s offscreen (whole run, start-up included: $(( $(date +%s) - start )) s)"
after=$("$bc" verify-records --data-dir "$data" | tee /dev/stderr | sed -n 's/.*intact: \([0-9]*\) events.*/\1/p')
[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] || { say "FAIL: events before $before, after $after"; exit 1; }
say "upgrade kept the database: the $before events of the previous version are in the verified chain of $after"
INSIDE
unshare -n -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/home" QT_QPA_PLATFORM=offscreen \
    WORK="$work" PREV_DEB="$prev_deb" NEW_DEB="$new_deb" bash "$work/inside.sh"
echo "dist-check: PASSED ($(du -h "$new_deb" | cut -f1) bundle: $(basename "$new_deb"))"
