<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es" sourcelanguage="en">
<context>
    <name>JoinView</name>
    <message>
        <source>Join a room</source>
        <translation>Unirse a una sala</translation>
    </message>
    <message>
        <source>Room &amp;link:</source>
        <translation>&amp;Enlace de la sala:</translation>
    </message>
    <message>
        <source>Paste a link such as plaza://host:8989/1234</source>
        <translation>Pega un enlace como plaza://host:8989/1234</translation>
    </message>
    <message>
        <source>Room link</source>
        <translation>Enlace de la sala</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>&amp;Unirse</translation>
    </message>
    <message>
        <source>Join the room</source>
        <translation>Unirse a la sala</translation>
    </message>
    <message>
        <source>Join the room and start listening (Return)</source>
        <translation>Unirse a la sala y empezar a escuchar (Intro)</translation>
    </message>
    <message>
        <source>Re&amp;cent rooms:</source>
        <translation>Salas &amp;recientes:</translation>
    </message>
    <message>
        <source>Recent rooms</source>
        <translation>Salas recientes</translation>
    </message>
    <message>
        <source>Press Return or double-click to join again</source>
        <translation>Pulsa Intro o haz doble clic para volver a unirte</translation>
    </message>
    <message>
        <source>Link problem</source>
        <translation>Problema con el enlace</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Room</source>
        <translation>&amp;Sala</translation>
    </message>
    <message>
        <source>&amp;Leave room</source>
        <translation>&amp;Abandonar la sala</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>Silen&amp;ciar</translation>
    </message>
    <message>
        <source>Clear &amp;recent rooms</source>
        <translation>&amp;Borrar salas recientes</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Salir</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ver</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Idioma</translation>
    </message>
    <message>
        <source>&amp;System default</source>
        <translation>&amp;Predeterminado del sistema</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>A&amp;yuda</translation>
    </message>
    <message>
        <source>&amp;About Plaza</source>
        <translation>&amp;Acerca de Plaza</translation>
    </message>
    <message>
        <source>About Plaza</source>
        <translation>Acerca de Plaza</translation>
    </message>
    <message>
        <source>Plaza {version}
Live audio rooms.</source>
        <translation>Plaza {version}
Salas de audio en directo.</translation>
    </message>
    <message>
        <source>{room} — Plaza</source>
        <translation>{room} — Plaza</translation>
    </message>
    <message>
        <source>Plaza</source>
        <translation>Plaza</translation>
    </message>
    <message>
        <source>Starting the demo room…</source>
        <translation>Iniciando la sala de demostración…</translation>
    </message>
    <message>
        <source>The demo room could not start: {reason}</source>
        <translation>No se pudo iniciar la sala de demostración: {reason}</translation>
    </message>
    <message>
        <source>Cannot use this link: {reason}</source>
        <translation>No se puede usar este enlace: {reason}</translation>
    </message>
</context>
<context>
    <name>RoomView</name>
    <message>
        <source>Vol&amp;ume:</source>
        <translation>V&amp;olumen:</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>Volumen</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>Silen&amp;ciar</translation>
    </message>
    <message>
        <source>Mute this room on this computer</source>
        <translation>Silenciar esta sala en este equipo</translation>
    </message>
    <message>
        <source>Silence the room here only (M)</source>
        <translation>Silenciar la sala solo aquí (M)</translation>
    </message>
    <message>
        <source>Output &amp;device:</source>
        <translation>&amp;Dispositivo de salida:</translation>
    </message>
    <message>
        <source>Output device</source>
        <translation>Dispositivo de salida</translation>
    </message>
    <message>
        <source>&amp;Leave</source>
        <translation>&amp;Abandonar</translation>
    </message>
    <message>
        <source>Leave the room</source>
        <translation>Abandonar la sala</translation>
    </message>
    <message>
        <source>Leave the room (Ctrl+L)</source>
        <translation>Abandonar la sala (Ctrl+L)</translation>
    </message>
    <message>
        <source>Room status</source>
        <translation>Estado de la sala</translation>
    </message>
    <message>
        <source>Room title</source>
        <translation>Título de la sala</translation>
    </message>
    <message>
        <source>Room {number}</source>
        <translation>Sala {number}</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Conectando…</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>En directo</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Finalizada</translation>
    </message>
    <message>
        <source>Error: {reason}</source>
        <translation>Error: {reason}</translation>
    </message>
    <message>
        <source>unknown problem</source>
        <translation>problema desconocido</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Sin conexión</translation>
    </message>
    <message>
        <source>No sound device: {reason}. Playing silently.</source>
        <translation>Sin dispositivo de sonido: {reason}. Se reproduce en silencio.</translation>
    </message>
    <message>
        <source>{percent} %</source>
        <translation>{percent} %</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Predeterminado del sistema</translation>
    </message>
    <message>
        <source>{name} (default)</source>
        <translation>{name} (predeterminado)</translation>
    </message>
    <message>
        <source>No output devices found</source>
        <translation>No se encontraron dispositivos de salida</translation>
    </message>
</context>
</TS>
