#!/usr/bin/env bash
# Installs this unpacked app for the current user: the app menu entry, its icon and a
# `gpt-oss-desktop` command. Run it from the unpacked folder: ./install.sh  (undo: ./install.sh --remove)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor
bin=$HOME/.local/bin
if [ "${1:-}" = "--remove" ]; then
  rm -f "$apps/gpt-oss-desktop.desktop" "$bin/gpt-oss-desktop"
  find "$icons" -name gpt-oss-desktop.png -delete 2>/dev/null || true
  echo "removed the menu entry, icon and command (your chats and models stay in your data folder)"
  exit 0
fi
mkdir -p "$apps" "$bin"
for size in 16 32 48 64 128 256 512; do
  mkdir -p "$icons/${size}x${size}/apps"
  cp "$here/_internal/resources/icons/app-$size.png" "$icons/${size}x${size}/apps/gpt-oss-desktop.png"
done
ln -sf "$here/gpt-oss-desktop" "$bin/gpt-oss-desktop"
sed "s|^Exec=.*|Exec=$here/gpt-oss-desktop|" "$here/_internal/resources/gpt-oss-desktop.desktop" \
  > "$apps/gpt-oss-desktop.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
echo "installed: gpt-oss-desktop is in your app menu"
