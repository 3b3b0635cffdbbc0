; Inno Setup 6 script: the Windows installer around PyInstaller's onedir build (dist\plaza\, from packaging\plaza.spec).
;
; Build it with packaging\windows\build-installer.ps1, which renders the icon, runs PyInstaller and then
;   iscc /DAppVersion=<app\__init__.py __version__> packaging\windows\plaza.iss
; The version has one home (app\__init__.py); this script refuses to compile without /DAppVersion.
; Output: dist\plaza-<version>-windows-x64-setup.exe
;
; Install mode: per user by default (no administrator rights; %LOCALAPPDATA%\Programs\Plaza, HKCU); the first page
; offers "install for all users" (Program Files, HKLM). Silent installs choose with /CURRENTUSER or /ALLUSERS.
; Room links plaza:// and plaza+ws:// open Plaza: registered under Software\Classes of the install mode's hive
; (HKA = HKCU or HKLM) and removed again by the uninstaller.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z plaza.iss (packaging\windows\build-installer.ps1 does)
#endif

#define RepoRoot AddBackslash(SourcePath) + "..\.."
#define AppExe "plaza.exe"

[Setup]
; AppId identifies Plaza for upgrades and uninstall: never change it ("{{" is a literal "{").
AppId={{3448D47D-3AE0-4955-855D-1E4A17DFD427}
AppName=Plaza
AppVersion={#AppVersion}
AppVerName=Plaza {#AppVersion}
AppPublisher=Plaza
DefaultDirName={autopf}\Plaza
DefaultGroupName=Plaza
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; PyInstaller's build is x64 (the windows-latest runner's Python); Arm64 Windows 11 runs it emulated.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile={#RepoRoot}\build\icons\plaza.ico
UninstallDisplayIcon={app}\plaza.ico
UninstallDisplayName=Plaza {#AppVersion}
OutputDir={#RepoRoot}\dist
OutputBaseFilename=plaza-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; Plaza must not be running while its files are replaced or removed.
CloseApplications=yes
ChangesAssociations=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "spanish"; MessagesFile: "compiler:Languages\Spanish.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#RepoRoot}\dist\plaza\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The EXE itself carries PyInstaller's default icon (packaging\plaza.spec's EXE() is shared with Linux and left
; alone), so shortcuts, the uninstall entry and the link handler point at this .ico instead.
Source: "{#RepoRoot}\build\icons\plaza.ico"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{group}\Plaza"; Filename: "{app}\{#AppExe}"; Parameters: "window"; IconFilename: "{app}\plaza.ico"
Name: "{group}\{cm:UninstallProgram,Plaza}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Plaza"; Filename: "{app}\{#AppExe}"; Parameters: "window"; IconFilename: "{app}\plaza.ico"; Tasks: desktopicon

[Registry]
; plaza://HOST/ROOM (wss) and plaza+ws://HOST:PORT/ROOM (plain ws). `plaza LINK` alone is not a valid command line
; (the first argument is the subcommand), so the handler runs `plaza.exe window "LINK"`.
Root: HKA; Subkey: "Software\Classes\plaza"; ValueType: string; ValueName: ""; ValueData: "URL:Plaza room link"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\plaza"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\plaza\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\plaza.ico"""
Root: HKA; Subkey: "Software\Classes\plaza\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" window ""%1"""
Root: HKA; Subkey: "Software\Classes\plaza+ws"; ValueType: string; ValueName: ""; ValueData: "URL:Plaza local room link"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\plaza+ws"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\plaza+ws\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\plaza.ico"""
Root: HKA; Subkey: "Software\Classes\plaza+ws\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" window ""%1"""

[Run]
Filename: "{app}\{#AppExe}"; Parameters: "window"; Description: "{cm:LaunchProgram,Plaza}"; Flags: nowait postinstall skipifsilent
