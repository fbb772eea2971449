#!/usr/bin/env bash
# Builds the Debian package of STAMP Studio (stamp-studio + stamp, .desktop entry, icon,
# AppStream metadata) with CPack into ${BUILD_DIR:-build}, then lists and checks it.
# Usage: packaging/package.sh   (BUILD_DIR, JOBS as for packaging/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_GUI=ON
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target stamp stamp-studio
# Validate the desktop metadata before packaging it (the tools are optional).
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net packaging/io.github.stamp_studio.StampStudio.metainfo.xml
fi
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate packaging/stamp-studio.desktop
fi
(cd "$BUILD_DIR" && cpack -G DEB)
deb=$(ls -t "$BUILD_DIR"/stamp-studio_*.deb | head -n1)
echo "== $deb"
dpkg-deb --info "$deb"
dpkg-deb -c "$deb"
# The package must carry both programs and the desktop integration files.
for f in ./usr/bin/stamp-studio ./usr/bin/stamp ./usr/share/applications/stamp-studio.desktop \
         ./usr/share/icons/hicolor/scalable/apps/stamp-studio.svg \
         ./usr/share/icons/hicolor/256x256/apps/stamp-studio.png \
         ./usr/share/metainfo/io.github.stamp_studio.StampStudio.metainfo.xml; do
  dpkg-deb -c "$deb" | awk '{print $6}' | grep -qx "$f" || { echo "missing in package: $f" >&2; exit 1; }
done
echo "package OK: $deb"
