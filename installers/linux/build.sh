#!/usr/bin/env bash
# Linux: the app folder (PyInstaller), a tarball with an installer for the desktop menu, and an
# AppImage when appimagetool is on PATH (or named by $APPIMAGETOOL).
# Usage, from the repository root: bash installers/linux/build.sh
#   -> dist/gpt-oss-desktop/, dist/gpt-oss-desktop-<version>-linux-<arch>.tar.gz [, .AppImage]
# A GPU build of llama.cpp: CMAKE_ARGS="-DGGML_VULKAN=on" bash installers/linux/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
arch=$(uname -m)

# --inexact: never remove what a developer installed in .venv; the spec decides what ships.
# Offline first: from uv's cache nothing is re-resolved, so llama-cpp-python is not rebuilt.
if [ -n "${CMAKE_ARGS:-}" ]; then
  uv sync --frozen --inexact --reinstall-package llama-cpp-python
else
  uv sync --frozen --inexact --offline 2>/dev/null || uv sync --frozen --inexact
fi
py=.venv/bin/python
version=$("$py" -c "import desktop; print(desktop.__version__)")

# PyInstaller runs on the project's own interpreter, from a folder of its own: installing it into
# .venv would change the environment, and an overlay interpreter (uv run --with) hides .venv's
# site-packages from PyInstaller, which then copies shared libraries twice.
tool=build/pyinstaller-tool
pyinstaller="pyinstaller>=6.10,<7"
uv pip install --quiet --offline --python "$py" --target "$tool" "$pyinstaller" 2>/dev/null ||
  uv pip install --quiet --python "$py" --target "$tool" "$pyinstaller"
PYTHONPATH="$tool" "$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller installers/gpt-oss-desktop.spec
cp installers/linux/install.sh dist/gpt-oss-desktop/install.sh

tarball="dist/gpt-oss-desktop-${version}-linux-${arch}.tar.gz"
tar -C dist -czf "$tarball" gpt-oss-desktop
echo "built dist/gpt-oss-desktop/ ($(du -sh dist/gpt-oss-desktop | cut -f1))"
echo "built $tarball ($(du -sh "$tarball" | cut -f1))"

appimagetool=${APPIMAGETOOL:-$(command -v appimagetool || true)}
if [ -z "$appimagetool" ]; then
  echo "no appimagetool on PATH: skipped the AppImage (the tarball installs with ./install.sh)"
  exit 0
fi
# AppDir layout: AppRun at the top starts the app folder; the .desktop entry and icon sit beside it.
appdir=build/AppDir
rm -rf "$appdir" && mkdir -p "$appdir/usr/lib" "$appdir/usr/share/applications"
cp -al dist/gpt-oss-desktop "$appdir/usr/lib/gpt-oss-desktop" 2>/dev/null ||
  cp -a dist/gpt-oss-desktop "$appdir/usr/lib/gpt-oss-desktop"
rm "$appdir/usr/lib/gpt-oss-desktop/install.sh"
cp resources/gpt-oss-desktop.desktop "$appdir/gpt-oss-desktop.desktop"
cp resources/gpt-oss-desktop.desktop "$appdir/usr/share/applications/"
for size in 16 32 48 64 128 256 512; do
  mkdir -p "$appdir/usr/share/icons/hicolor/${size}x${size}/apps"
  cp "resources/icons/app-$size.png" "$appdir/usr/share/icons/hicolor/${size}x${size}/apps/gpt-oss-desktop.png"
done
cp resources/icons/app-256.png "$appdir/gpt-oss-desktop.png"
ln -s gpt-oss-desktop.png "$appdir/.DirIcon"
cat > "$appdir/AppRun" <<'EOF'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")
exec "$here/usr/lib/gpt-oss-desktop/gpt-oss-desktop" "$@"
EOF
chmod +x "$appdir/AppRun"
appimage="dist/gpt-oss-desktop-${version}-${arch}.AppImage"
ARCH="$arch" "$appimagetool" --no-appstream "$appdir" "$appimage"
echo "built $appimage ($(du -sh "$appimage" | cut -f1))"
