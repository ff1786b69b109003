; Inno Setup script: per-user install (no admin rights), Start-menu and optional desktop shortcut.
; Built by installers\windows\build.ps1, which passes AppVersion and Variant (cpu | cuda).
; Both variants share one AppId: installing one replaces the other. Chats, models and settings
; live in the user's data folders and survive uninstalling.
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef Variant
  #define Variant "cpu"
#endif

[Setup]
AppId={{6E0B7C52-3B1E-4B5B-9C55-6A2D7F0E3D11}
AppName=gpt-oss-desktop
AppVersion={#AppVersion}
AppVerName=gpt-oss-desktop {#AppVersion} ({#Variant})
AppPublisher=gpt-oss-desktop contributors
DefaultDirName={localappdata}\Programs\gpt-oss-desktop
DefaultGroupName=gpt-oss-desktop
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=gpt-oss-desktop-{#AppVersion}-windows-{#Variant}-setup
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\gpt-oss-desktop.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

; Replace the bundle whole on upgrade or variant switch: a stale CUDA DLL must not outlive its build.
[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; GroupDescription: "Shortcuts:"; Flags: unchecked

[Files]
Source: "..\..\dist\gpt-oss-desktop\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\gpt-oss-desktop"; Filename: "{app}\gpt-oss-desktop.exe"
Name: "{userdesktop}\gpt-oss-desktop"; Filename: "{app}\gpt-oss-desktop.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\gpt-oss-desktop.exe"; Description: "Start gpt-oss-desktop"; Flags: nowait postinstall skipifsilent
