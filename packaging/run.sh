#!/usr/bin/env bash
# Installs what is missing, builds, and starts the STAMP Studio GUI on the built-in demo sample.
# Without a display (a server, a container) the GUI runs on a virtual X server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh
APP=build/app/gui/stamp-studio
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$APP" "$@"
fi
echo "run: no display found; starting STAMP Studio on a virtual X server (xvfb-run)." >&2
exec xvfb-run -a -s "-screen 0 1920x1080x24" "$APP" "$@"
