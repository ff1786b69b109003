# Windows: the app folder (PyInstaller) and an Inno Setup installer, CPU or CUDA build of llama.cpp.
# Usage, from the repository root in PowerShell with Visual Studio Build Tools (C++), CMake, uv and
# Inno Setup 6 (iscc on PATH); for CUDA also the CUDA toolkit (CUDA_PATH set):
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 -Variant cpu
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 -Variant cuda
# -> dist\gpt-oss-desktop-<version>-windows-<variant>-setup.exe
param([ValidateSet("cpu", "cuda")][string]$Variant = "cpu")
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Checked { & $args[0] $args[1..($args.Count - 1)]; if ($LASTEXITCODE) { throw "$($args[0]) failed ($LASTEXITCODE)" } }

# llama-cpp-python is built from source: the variant decides its backend.
if ($Variant -eq "cuda") { $env:CMAKE_ARGS = "-DGGML_CUDA=on" } else { $env:CMAKE_ARGS = "-DGGML_CUDA=off" }
Invoke-Checked uv sync --frozen --inexact --reinstall-package llama-cpp-python
$py = ".venv\Scripts\python.exe"
$version = (& $py -c "import desktop; print(desktop.__version__)").Trim()

# PyInstaller from a folder of its own, on the project's interpreter (see installers\README.md).
$tool = "build\pyinstaller-tool"
Invoke-Checked uv pip install --quiet --python $py --target $tool "pyinstaller>=6.10,<7"
$env:PYTHONPATH = (Resolve-Path $tool).Path
Invoke-Checked $py -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build\pyinstaller installers\gpt-oss-desktop.spec
Remove-Item Env:PYTHONPATH

Invoke-Checked iscc /Q "/DAppVersion=$version" "/DVariant=$Variant" installers\windows\gpt-oss-desktop.iss
Write-Host "built dist\gpt-oss-desktop-$version-windows-$Variant-setup.exe"
