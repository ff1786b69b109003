#!/usr/bin/env bash
# macOS (Apple Silicon): llama.cpp with Metal, the .app (PyInstaller) and a .dmg.
# Usage, from the repository root on a Mac with Xcode's command-line tools and CMake:
#   bash installers/macos/build.sh   -> dist/gpt-oss-desktop.app and dist/gpt-oss-desktop-<version>.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
export CMAKE_ARGS="-DGGML_METAL=on"
uv sync --frozen --reinstall-package llama-cpp-python
uv run --with "pyinstaller>=6.10,<7" pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
    installers/gpt-oss-desktop.spec
version=$(uv run python -c "import desktop; print(desktop.__version__)")
staging=build/dmg
rm -rf "$staging" && mkdir -p "$staging"
cp -R dist/gpt-oss-desktop.app "$staging/"
ln -s /Applications "$staging/Applications"  # drag-to-install
hdiutil create -volname "gpt-oss-desktop" -srcfolder "$staging" -ov -format UDZO "dist/gpt-oss-desktop-${version}.dmg"
echo "built dist/gpt-oss-desktop.app and dist/gpt-oss-desktop-${version}.dmg"
