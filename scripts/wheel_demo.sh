#!/usr/bin/env bash
# Build the wheel, install it into a throwaway venv and run `realpolitik demo` from a temporary
# directory: the package must carry its own data, fitted parameters and bundled scenario.
# Fast and offline: the wheel is built without build isolation (hatchling is in the test extra)
# and installed with --no-index --no-deps; the third-party dependencies (numpy, scipy, ...) are
# borrowed from the development venv through a .pth line, which adds that site-packages folder
# without running its .pth files, so the editable install of src/ is NOT visible. The script
# checks that `realpolitik` is imported from the throwaway venv.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV_PY="${1:-.venv/bin/python}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/realpolitik-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

"$DEV_PY" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$WORK/dist" .
"$DEV_PY" -m venv --without-pip "$WORK/venv"
DEV_SITE="$("$DEV_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
NEW_SITE="$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$DEV_SITE" > "$NEW_SITE/zz_dev_dependencies.pth"
"$DEV_PY" -m pip --python "$WORK/venv/bin/python" install --quiet --no-index --no-deps \
  "$WORK"/dist/realpolitik-*.whl

mkdir "$WORK/run"
cd "$WORK/run"
where="$("$WORK/venv/bin/python" -c 'import realpolitik; print(realpolitik.__file__)')"
case "$where" in
  "$NEW_SITE"/*) ;;
  *) echo "wheel check: realpolitik imported from $where, not from the wheel" >&2; exit 1 ;;
esac
"$WORK/venv/bin/realpolitik" demo --output "$WORK/run/out" --json > "$WORK/demo.json"
test -s "$WORK/run/out/northeast-asia-2018/report.html"
"$WORK/venv/bin/realpolitik" forecast "$WORK/venv/lib/"python3*/site-packages/realpolitik/data/reference/bdm/ec_emissions_1994.csv --json > /dev/null
echo "wheel check: the installed wheel ran the demo from $WORK/run"
