# Build dist\plaza\ (PyInstaller, packaging\plaza.spec) and dist\plaza-VERSION-windows-x64-setup.exe (Inno Setup 6).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-installer.ps1
#
# Needs: the Python environment set up from the lock (PyInstaller included) as `python` on PATH (or -Python PATH),
# Inno Setup 6 (ISCC.exe on PATH or in its default folder; preinstalled on GitHub's windows-2025 images), and
# libopus as opus.dll on PATH: opuslib finds it with ctypes.util.find_library("opus"), and PyInstaller bundles what
# that call finds at build time (the workflow builds it with vcpkg).
# The icon (.ico) is rendered from resources\icons\plaza.svg by packaging\make_icons.py (Qt's SVG renderer).
param([string]$Python = "python")
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Checked {
    # Native commands do not stop the script on failure; this does.
    & $args[0] $args[1..($args.Count - 1)]
    if ($LASTEXITCODE -ne 0) { throw "$($args -join ' ') failed with exit code $LASTEXITCODE" }
}

$version = (& $Python -c "import app; print(app.__version__)").Trim()
if ($LASTEXITCODE -ne 0 -or -not $version) { throw "cannot read app.__version__ with $Python" }

& $Python -c "import ctypes.util, sys; sys.exit(ctypes.util.find_library('opus') is None)"
if ($LASTEXITCODE -ne 0) { throw "libopus (opus.dll) is not on PATH: the app could not decode audio" }

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) {
    $iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
              "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if (-not $iscc) { throw "Inno Setup 6 (ISCC.exe) not found: install it (e.g. choco install innosetup)" }

Write-Host "== translations"
Invoke-Checked $Python -m app.ui.i18n
Write-Host "== icon"
if (Test-Path build\icons) { Remove-Item -Recurse -Force build\icons }
Invoke-Checked $Python packaging\make_icons.py --ico build\icons\plaza.ico
Write-Host "== PyInstaller"
Invoke-Checked $Python -m PyInstaller --noconfirm packaging\plaza.spec
if (-not (Test-Path dist\plaza\plaza.exe)) { throw "PyInstaller did not produce dist\plaza\plaza.exe" }
if (-not (Get-ChildItem -Recurse dist\plaza -Filter "opus*.dll")) { throw "opus.dll was not bundled into dist\plaza" }
Write-Host "== Inno Setup ($iscc)"
Invoke-Checked $iscc "/DAppVersion=$version" packaging\windows\plaza.iss
$setup = "dist\plaza-$version-windows-x64-setup.exe"
if (-not (Test-Path $setup)) { throw "ISCC did not produce $setup" }
Write-Host $setup
