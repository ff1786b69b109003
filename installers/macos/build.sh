#!/usr/bin/env bash
# macOS (Apple Silicon): llama.cpp with Metal, the .app (PyInstaller) and a drag-to-install .dmg.
# Usage, from the repository root on a Mac with Xcode's command-line tools, CMake and uv:
#   bash installers/macos/build.sh   -> dist/gpt-oss-desktop.app and dist/gpt-oss-desktop-<version>-macos-arm64.dmg
# Signing (optional): CODESIGN_IDENTITY="Developer ID Application: ..." signs with the hardened
# runtime; NOTARY_PROFILE=<notarytool keychain profile> then notarizes and staples the .dmg.
# Without them the app is ad-hoc signed: on another Mac, open it the first time with right-click > Open.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CMAKE_ARGS="-DGGML_METAL=on"
uv sync --frozen --inexact --reinstall-package llama-cpp-python  # rebuild llama.cpp with Metal
py=.venv/bin/python
version=$("$py" -c "import desktop; print(desktop.__version__)")
export APP_VERSION=$version  # Info.plist

# PyInstaller from a folder of its own, on the project's interpreter (see installers/README.md).
tool=build/pyinstaller-tool
uv pip install --quiet --python "$py" --target "$tool" "pyinstaller>=6.10,<7"
PYTHONPATH="$tool" "$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller installers/gpt-oss-desktop.spec

staging=build/dmg
rm -rf "$staging" && mkdir -p "$staging"
cp -R dist/gpt-oss-desktop.app "$staging/"
ln -s /Applications "$staging/Applications"  # drag-to-install
dmg="dist/gpt-oss-desktop-${version}-macos-$(uname -m).dmg"
hdiutil create -volname "gpt-oss-desktop" -srcfolder "$staging" -ov -format UDZO "$dmg"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --sign "$CODESIGN_IDENTITY" --timestamp "$dmg"
  if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
  fi
fi
echo "built dist/gpt-oss-desktop.app and $dmg ($(du -sh "$dmg" | cut -f1))"
