# Windows: the app folder (PyInstaller) and an Inno Setup installer, CPU or CUDA build.
# Usage, from the repository root in PowerShell with Visual Studio Build Tools, CMake, uv and
# Inno Setup 6 (iscc on PATH); for CUDA also the CUDA toolkit:
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 -Variant cpu
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 -Variant cuda
param([ValidateSet("cpu", "cuda")][string]$Variant = "cpu")
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
if ($Variant -eq "cuda") { $env:CMAKE_ARGS = "-DGGML_CUDA=on" } else { Remove-Item Env:CMAKE_ARGS -ErrorAction SilentlyContinue }
uv sync --frozen --reinstall-package llama-cpp-python
uv run --with "pyinstaller>=6.10,<7" pyinstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller installers\gpt-oss-desktop.spec
$version = (uv run python -c "import desktop; print(desktop.__version__)").Trim()
iscc /DAppVersion=$version /DVariant=$Variant installers\windows\gpt-oss-desktop.iss
Write-Host "built dist\gpt-oss-desktop-$version-windows-$Variant-setup.exe"
