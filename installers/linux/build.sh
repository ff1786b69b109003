#!/usr/bin/env bash
# Linux: the app folder (PyInstaller), then a tarball with an installer for the desktop menu.
# Usage, from the repository root: bash installers/linux/build.sh   -> dist/gpt-oss-desktop-linux-x86_64.tar.gz
set -euo pipefail
cd "$(dirname "$0")/../.."
uv sync --frozen
uv run --with "pyinstaller>=6.10,<7" pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
    installers/gpt-oss-desktop.spec
cp installers/linux/install.sh dist/gpt-oss-desktop/install.sh
version=$(uv run python -c "import desktop; print(desktop.__version__)")
tar -C dist -czf "dist/gpt-oss-desktop-${version}-linux-$(uname -m).tar.gz" gpt-oss-desktop
echo "built dist/gpt-oss-desktop/ and dist/gpt-oss-desktop-${version}-linux-$(uname -m).tar.gz"
