#!/usr/bin/env sh
# Install a built one-folder bundle for the current user: binary link, desktop entry, icons.
# usage: build/linux/install-user.sh dist/tracker
set -eu
bundle=$(cd "${1:?path to dist/tracker}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin="${XDG_BIN_HOME:-$HOME/.local/bin}"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
mkdir -p "$bin" "$apps"
ln -sf "$bundle/tracker" "$bin/tracker"
sed "s|^Exec=tracker|Exec=$bin/tracker|" "$here/tracker.desktop" > "$apps/tracker.desktop"
for s in 16 22 24 32 48 64 128 256 512; do
  mkdir -p "$icons/${s}x${s}/apps"
  cp "$repo/resources/icons/tracker-$s.png" "$icons/${s}x${s}/apps/tracker.png"
done
mkdir -p "$icons/scalable/apps" && cp "$repo/resources/icons/tracker.svg" "$icons/scalable/apps/tracker.svg"
echo "installed: $bin/tracker and $apps/tracker.desktop"
