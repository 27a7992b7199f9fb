# Sourced by ./run-tests: make sure the Debian packages the tests use are installed
# (scripts/system-packages.txt, one package a line, each with the reason on its line).
# As root it installs what is missing with apt-get; otherwise it names what to install and goes on.
_missing=()
while read -r _pkg _rest; do
    case "$_pkg" in ""|\#*) continue ;; esac
    dpkg-query -W -f='${Status}' "$_pkg" 2>/dev/null | grep -q "install ok installed" || _missing+=("$_pkg")
done < "$ROOT/scripts/system-packages.txt"
if [ "${#_missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian packages the tests need: ${_missing[*]} ..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${_missing[@]}" >&2 \
            || echo "run-tests: could not install ${_missing[*]}; the tests that need them will fail." >&2
    else
        echo "run-tests: these Debian packages are missing: ${_missing[*]} (sudo apt-get install ${_missing[*]})." >&2
    fi
fi
unset _missing _pkg _rest
