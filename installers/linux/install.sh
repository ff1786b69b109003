#!/usr/bin/env bash
# Installs this unpacked app for the current user: the app-menu entry, its icon and a
# `gpt-oss-desktop` command. Run it from the unpacked folder: ./install.sh   (undo: ./install.sh --remove)
# Chats, models and settings live in the user's data folders and stay when the app is removed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
share=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$share/applications
icons=$share/icons/hicolor
bin=$HOME/.local/bin
if [ "${1:-}" = "--remove" ]; then
  rm -f "$apps/gpt-oss-desktop.desktop" "$bin/gpt-oss-desktop"
  rm -f "$icons"/*/apps/gpt-oss-desktop.png
  echo "removed the menu entry, icon and command (your chats and models stay in your data folders)"
  exit 0
fi
mkdir -p "$apps" "$bin"
for size in 16 32 48 64 128 256 512; do
  mkdir -p "$icons/${size}x${size}/apps"
  cp "$here/_internal/resources/icons/app-$size.png" "$icons/${size}x${size}/apps/gpt-oss-desktop.png"
done
ln -sf "$here/gpt-oss-desktop" "$bin/gpt-oss-desktop"
# The menu entry starts this folder's app; quoted, so a folder name with spaces works.
sed "s|^Exec=.*|Exec=\"$here/gpt-oss-desktop\"|" "$here/_internal/resources/gpt-oss-desktop.desktop" \
  > "$apps/gpt-oss-desktop.desktop"
touch "$icons"  # icon caches notice the new icon
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
echo "installed: gpt-oss-desktop is in your app menu (and \`gpt-oss-desktop\` in $bin)"
