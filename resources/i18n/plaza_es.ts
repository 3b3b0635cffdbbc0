<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es" sourcelanguage="en">
<context>
    <name>AudienceChart</name>
    <message>
        <source>unknown</source>
        <translation>desconocido</translation>
    </message>
    <message>
        <source>No audience data yet.</source>
        <translation>Aún no hay datos de la audiencia.</translation>
    </message>
    <message>
        <source>Listeners now: {listeners}. This minute: {joins} joined, {leaves} left, {reconnects} reconnected.</source>
        <translation>Oyentes ahora: {listeners}. Este minuto: {joins} entraron, {leaves} salieron, {reconnects} se reconectaron.</translation>
    </message>
    <message>
        <source>Peak: {listeners} at {time}.</source>
        <translation>Máximo: {listeners} a las {time}.</translation>
    </message>
    <message>
        <source>Reconnect waves: {count}; the largest at {time}: {reconnects} reconnected.</source>
        <translation>Oleadas de reconexión: {count}; la mayor a las {time}: {reconnects} se reconectaron.</translation>
    </message>
    <message>
        <source>{time} — listeners: {listeners}; joined: {joins}; left: {leaves}; reconnected: {reconnects}</source>
        <translation>{time} — oyentes: {listeners}; entraron: {joins}; salieron: {leaves}; se reconectaron: {reconnects}</translation>
    </message>
    <message>
        <source>en</source>
        <comment>locale code of this translation, for numbers</comment>
        <translation>es</translation>
    </message>
    <message>
        <source>Audience chart</source>
        <translation>Gráfico de la audiencia</translation>
    </message>
    <message>
        <source>Listeners</source>
        <translation>Oyentes</translation>
    </message>
    <message>
        <source>Joins per minute</source>
        <translation>Entradas por minuto</translation>
    </message>
    <message>
        <source>Leaves per minute</source>
        <translation>Salidas por minuto</translation>
    </message>
    <message>
        <source>Reconnect wave</source>
        <translation>Oleada de reconexión</translation>
    </message>
    <message>
        <source>{count}/min</source>
        <comment>joins or leaves per minute, on the chart&apos;s axis</comment>
        <translation>{count}/min</translation>
    </message>
</context>
<context>
    <name>AudienceWindow</name>
    <message>
        <source>Audience</source>
        <translation>Audiencia</translation>
    </message>
    <message>
        <source>&amp;Export CSV…</source>
        <translation>&amp;Exportar CSV…</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Cerrar</translation>
    </message>
    <message>
        <source>Updated at {time}.</source>
        <translation>Actualizado a las {time}.</translation>
    </message>
    <message>
        <source>Showing the last {shown} min of the {kept} min the controller keeps.</source>
        <translation>Se muestran los últimos {shown} min de los {kept} min que guarda el controlador.</translation>
    </message>
    <message>
        <source>The room&apos;s controller did not answer; trying again in 10 s.</source>
        <translation>El controlador de la sala no respondió; se volverá a intentar en 10 s.</translation>
    </message>
    <message>
        <source>Asking the room&apos;s controller…</source>
        <translation>Consultando al controlador de la sala…</translation>
    </message>
    <message>
        <source>Export the audience as CSV</source>
        <translation>Exportar la audiencia como CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Archivos CSV (*.csv)</translation>
    </message>
    <message>
        <source>Could not save the audience data to {file}. Check that the folder exists and that you may write there.</source>
        <translation>No se pudieron guardar los datos de la audiencia en {file}. Comprueba que la carpeta existe y que puedes escribir en ella.</translation>
    </message>
    <message>
        <source>Saved to {file}.</source>
        <translation>Guardado en {file}.</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>Exportar CSV</translation>
    </message>
</context>
<context>
    <name>ConnectionDialog</name>
    <message>
        <source>Server:</source>
        <translation>Servidor:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Estado:</translation>
    </message>
    <message>
        <source>Round-trip time:</source>
        <translation>Tiempo de ida y vuelta:</translation>
    </message>
    <message>
        <source>Packet loss:</source>
        <translation>Pérdida de paquetes:</translation>
    </message>
    <message>
        <source>Jitter:</source>
        <translation>Fluctuación (jitter):</translation>
    </message>
    <message>
        <source>Audio cushion (now / target):</source>
        <translation>Colchón de audio (actual / objetivo):</translation>
    </message>
    <message>
        <source>Outage it would hide now:</source>
        <translation>Corte que ocultaría ahora:</translation>
    </message>
    <message>
        <source>Gaps masked:</source>
        <translation>Cortes disimulados:</translation>
    </message>
    <message>
        <source>Gaps heard:</source>
        <translation>Cortes audibles:</translation>
    </message>
    <message>
        <source>Content skipped:</source>
        <translation>Contenido omitido:</translation>
    </message>
    <message>
        <source>Concealed frames:</source>
        <translation>Tramas ocultadas:</translation>
    </message>
    <message>
        <source>FEC recoveries:</source>
        <translation>Recuperaciones FEC:</translation>
    </message>
    <message>
        <source>Clock drift:</source>
        <translation>Deriva del reloj:</translation>
    </message>
    <message>
        <source>Packets received:</source>
        <translation>Paquetes recibidos:</translation>
    </message>
    <message>
        <source>Packets lost:</source>
        <translation>Paquetes perdidos:</translation>
    </message>
    <message>
        <source>Late packets:</source>
        <translation>Paquetes tardíos:</translation>
    </message>
    <message>
        <source>Duplicate packets:</source>
        <translation>Paquetes duplicados:</translation>
    </message>
    <message>
        <source>Lost at</source>
        <translation>Perdida a las</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motivo</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Servidor</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Intentos</translation>
    </message>
    <message>
        <source>Recovered</source>
        <translation>Recuperada</translation>
    </message>
    <message>
        <source>New server</source>
        <translation>Servidor nuevo</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Sin conexión</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>Conectando</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>En directo</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>Reconectando</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Finalizada</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Connection details</source>
        <translation>Detalles de la conexión</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>Conexión</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Audio</translation>
    </message>
    <message>
        <source>Packets</source>
        <translation>Paquetes</translation>
    </message>
    <message>
        <source>Reconnect history</source>
        <translation>Historial de reconexiones</translation>
    </message>
    <message>
        <source>No reconnects since joining.</source>
        <translation>Ninguna reconexión desde que te uniste.</translation>
    </message>
    <message>
        <source>&amp;Copy report</source>
        <translation>&amp;Copiar informe</translation>
    </message>
    <message>
        <source>Copy these details as plain text, e.g. for a support request</source>
        <translation>Copiar estos detalles como texto sin formato, p. ej. para una solicitud de soporte</translation>
    </message>
    <message>
        <source>Report copied to the clipboard.</source>
        <translation>Informe copiado al portapapeles.</translation>
    </message>
    <message>
        <source>{now} / {target}</source>
        <translation>{now} / {target}</translation>
    </message>
    <message>
        <source>still retrying</source>
        <translation>reintentando todavía</translation>
    </message>
    <message>
        <source>after {seconds} s</source>
        <translation>tras {seconds} s</translation>
    </message>
    <message>
        <source>Plaza {version} connection report, {time}</source>
        <translation>Informe de conexión de Plaza {version}, {time}</translation>
    </message>
</context>
<context>
    <name>DesktopTray</name>
    <message>
        <source>&amp;Show Plaza</source>
        <translation>&amp;Mostrar Plaza</translation>
    </message>
    <message>
        <source>&amp;Quit Plaza</source>
        <translation>&amp;Salir de Plaza</translation>
    </message>
    <message>
        <source>Plaza</source>
        <translation>Plaza</translation>
    </message>
    <message>
        <source>Plaza is still running</source>
        <translation>Plaza sigue abierto</translation>
    </message>
    <message>
        <source>The room keeps playing. To quit, choose Quit Plaza in the tray icon&apos;s menu.</source>
        <translation>La sala sigue sonando. Para salir, elige «Salir de Plaza» en el menú del icono de la bandeja.</translation>
    </message>
    <message>
        <source>Reconnected</source>
        <translation>Reconectado</translation>
    </message>
    <message>
        <source>Back in the room after {seconds} s.</source>
        <translation>De vuelta en la sala tras {seconds} s.</translation>
    </message>
    <message>
        <source>The room has ended</source>
        <translation>La sala ha terminado</translation>
    </message>
    <message>
        <source>You are invited to speak</source>
        <translation>Te han invitado a hablar</translation>
    </message>
    <message>
        <source>Open Plaza to check your microphone and accept, or choose Not now.</source>
        <translation>Abre Plaza para comprobar tu micrófono y aceptar, o elige «Ahora no».</translation>
    </message>
</context>
<context>
    <name>ErrorText</name>
    <message>
        <source>Paste a room link first.</source>
        <translation>Pega primero un enlace de sala.</translation>
    </message>
    <message>
        <source>This link is too long to be a room link.</source>
        <translation>Este enlace es demasiado largo para ser un enlace de sala.</translation>
    </message>
    <message>
        <source>This is not a room link. Room links start with plaza:// or plaza+ws://.</source>
        <translation>Esto no es un enlace de sala. Los enlaces de sala empiezan por plaza:// o plaza+ws://.</translation>
    </message>
    <message>
        <source>This is another kind of link. Room links start with plaza:// or plaza+ws://.</source>
        <translation>Es otro tipo de enlace. Los enlaces de sala empiezan por plaza:// o plaza+ws://.</translation>
    </message>
    <message>
        <source>Room links never carry passwords or secrets, and this one does. Ask for a link without them.</source>
        <translation>Los enlaces de sala nunca llevan contraseñas ni secretos, y este sí. Pide un enlace sin ellos.</translation>
    </message>
    <message>
        <source>The link does not say which server the room is on.</source>
        <translation>El enlace no indica en qué servidor está la sala.</translation>
    </message>
    <message>
        <source>The link&apos;s port number is not valid.</source>
        <translation>El número de puerto del enlace no es válido.</translation>
    </message>
    <message>
        <source>The link has no room number.</source>
        <translation>El enlace no tiene número de sala.</translation>
    </message>
    <message>
        <source>The link&apos;s room number is not valid.</source>
        <translation>El número de sala del enlace no es válido.</translation>
    </message>
    <message>
        <source>The link has options Plaza does not understand.</source>
        <translation>El enlace tiene opciones que Plaza no entiende.</translation>
    </message>
    <message>
        <source>One of the link&apos;s servers is not a valid ws:// or wss:// address.</source>
        <translation>Uno de los servidores del enlace no es una dirección ws:// o wss:// válida.</translation>
    </message>
    <message>
        <source>The link lists too many servers.</source>
        <translation>El enlace indica demasiados servidores.</translation>
    </message>
    <message>
        <source>This computer has no network address for the room&apos;s audio (the audio never goes through loopback). Connect to any network, even one without internet, or add a dummy interface: {command}</source>
        <translation>Este equipo no tiene ninguna dirección de red para el audio de la sala (el audio nunca pasa por la interfaz local lo). Conéctate a cualquier red, aunque no tenga internet, o añade una interfaz ficticia: {command}</translation>
    </message>
    <message>
        <source>The room server Janus is not installed. Install it with: {command}</source>
        <translation>El servidor de salas Janus no está instalado. Instálalo con: {command}</translation>
    </message>
    <message>
        <source>The room server&apos;s port is already in use (is another Plaza demo running?).</source>
        <translation>El puerto del servidor de salas ya está en uso (¿hay otra demo de Plaza en marcha?).</translation>
    </message>
    <message>
        <source>The room server could not start.</source>
        <translation>No se pudo iniciar el servidor de salas.</translation>
    </message>
    <message>
        <source>This room does not exist (or it has already ended).</source>
        <translation>Esta sala no existe (o ya ha terminado).</translation>
    </message>
    <message>
        <source>The room&apos;s server cannot be reached. Check your internet connection and try again.</source>
        <translation>No se puede contactar con el servidor de la sala. Comprueba tu conexión a internet y vuelve a intentarlo.</translation>
    </message>
    <message>
        <source>The room&apos;s audio did not start.</source>
        <translation>No se pudo iniciar el audio de la sala.</translation>
    </message>
    <message>
        <source>The room moved, but its new room could not be found on the new link&apos;s servers.</source>
        <translation>La sala se trasladó, pero su nueva sala no se encontró en los servidores del nuevo enlace.</translation>
    </message>
    <message>
        <source>The server sent a reply Plaza cannot use.</source>
        <translation>El servidor envió una respuesta que Plaza no puede usar.</translation>
    </message>
    <message>
        <source>The room&apos;s server refused to play this room.</source>
        <translation>El servidor de la sala se negó a reproducir esta sala.</translation>
    </message>
    <message>
        <source>Something on this computer failed (a file or a device could not be used).</source>
        <translation>Algo falló en este equipo (no se pudo usar un archivo o un dispositivo).</translation>
    </message>
    <message>
        <source>Something went wrong.</source>
        <translation>Algo salió mal.</translation>
    </message>
    <message>
        <source>No sound device could be opened, so the room plays silently. Check your speakers or headphones, or pick another output device.</source>
        <translation>No se pudo abrir ningún dispositivo de sonido, así que la sala suena en silencio. Comprueba los altavoces o los auriculares, o elige otro dispositivo de salida.</translation>
    </message>
    <message>
        <source>Your microphone could not be opened. Check that it is connected and not used by another app, or choose another one.</source>
        <translation>No se pudo abrir tu micrófono. Comprueba que está conectado y que ninguna otra aplicación lo usa, o elige otro.</translation>
    </message>
    <message>
        <source>No microphone was found. Connect one to speak on stage, or choose Not now.</source>
        <translation>No se encontró ningún micrófono. Conecta uno para hablar en el escenario, o elige Ahora no.</translation>
    </message>
    <message>
        <source>The invitation to speak is no longer valid (it was used, expired or withdrawn). A host can invite you again.</source>
        <translation>La invitación para hablar ya no es válida (se usó, caducó o se retiró). Un anfitrión puede volver a invitarte.</translation>
    </message>
    <message>
        <source>The stage&apos;s server cannot be reached, so you could not go on stage. The room keeps playing.</source>
        <translation>No se puede contactar con el servidor del escenario, así que no pudiste subir al escenario. La sala sigue sonando.</translation>
    </message>
    <message>
        <source>You could not go on stage. The room keeps playing; a host can invite you again.</source>
        <translation>No pudiste subir al escenario. La sala sigue sonando; un anfitrión puede volver a invitarte.</translation>
    </message>
    <message>
        <source>The connection to the room&apos;s server was lost. Plaza is reconnecting; the audio already received keeps playing meanwhile.</source>
        <translation>Se perdió la conexión con el servidor de la sala. Plaza está reconectando; mientras tanto sigue sonando el audio ya recibido.</translation>
    </message>
    <message>
        <source>The hosts ended the room.</source>
        <translation>Los anfitriones han cerrado la sala.</translation>
    </message>
    <message>
        <source>The room has ended.</source>
        <translation>La sala ha terminado.</translation>
    </message>
</context>
<context>
    <name>HandControl</name>
    <message>
        <source>Lower hand</source>
        <translation>Bajar la mano</translation>
    </message>
    <message>
        <source>Take your hand down (H)</source>
        <translation>Bajar tu mano (H)</translation>
    </message>
    <message>
        <source>Raise hand</source>
        <translation>Levantar la mano</translation>
    </message>
    <message>
        <source>Ask the hosts to bring you on stage (H)</source>
        <translation>Pide a los anfitriones que te suban al escenario (H)</translation>
    </message>
    <message>
        <source>en</source>
        <comment>locale code of this translation, for numbers</comment>
        <translation>es</translation>
    </message>
    <message>
        <source>Hand raised — {position} in queue</source>
        <translation>Mano levantada — {position} en la cola</translation>
    </message>
    <message>
        <source>Hand raised — in queue</source>
        <translation>Mano levantada — en la cola</translation>
    </message>
    <message>
        <source>Hand raised — waiting for the hosts to see it</source>
        <translation>Mano levantada — esperando a que la vean los anfitriones</translation>
    </message>
    <message>
        <source>Lowering your hand…</source>
        <translation>Bajando tu mano…</translation>
    </message>
    <message>
        <source>Hand status</source>
        <translation>Estado de la mano</translation>
    </message>
</context>
<context>
    <name>HostControl</name>
    <message>
        <source>Could not go on stage; try again.</source>
        <translation>No se pudo subir al escenario; inténtalo de nuevo.</translation>
    </message>
    <message>
        <source>The room&apos;s controller could not be reached; try again.</source>
        <translation>No se pudo contactar con el controlador de la sala; inténtalo de nuevo.</translation>
    </message>
</context>
<context>
    <name>HostPanel</name>
    <message>
        <source>Host tools</source>
        <translation>Herramientas de anfitrión</translation>
    </message>
    <message>
        <source>You host this room. What you do here reaches everyone within a second.</source>
        <translation>Eres el anfitrión de esta sala. Lo que hagas aquí llega a todos en un segundo.</translation>
    </message>
    <message>
        <source>&amp;Go on stage as host</source>
        <translation>&amp;Subir al escenario como anfitrión</translation>
    </message>
    <message>
        <source>&amp;Raised hands (oldest first)</source>
        <translation>Manos &amp;levantadas (primero las más antiguas)</translation>
    </message>
    <message>
        <source>Raised hands</source>
        <translation>Manos levantadas</translation>
    </message>
    <message>
        <source>&amp;Invite to speak</source>
        <translation>&amp;Invitar a hablar</translation>
    </message>
    <message>
        <source>On s&amp;tage</source>
        <translation>En el &amp;escenario</translation>
    </message>
    <message>
        <source>Stage members</source>
        <translation>Miembros del escenario</translation>
    </message>
    <message>
        <source>Make &amp;co-host</source>
        <translation>Hacer &amp;coanfitrión</translation>
    </message>
    <message>
        <source>Move to a&amp;udience</source>
        <translation>Pasar al &amp;público</translation>
    </message>
    <message>
        <source>Remo&amp;ve…</source>
        <translation>E&amp;xpulsar…</translation>
    </message>
    <message>
        <source>Mute a&amp;ll speakers</source>
        <translation>Silenciar a &amp;todos los oradores</translation>
    </message>
    <message>
        <source>&amp;End room…</source>
        <translation>&amp;Finalizar sala…</translation>
    </message>
    <message>
        <source>&amp;Audience…</source>
        <translation>&amp;Audiencia…</translation>
    </message>
    <message>
        <source>{name} — raised at {time}</source>
        <translation>{name} — la levantó a las {time}</translation>
    </message>
    <message>
        <source>host</source>
        <translation>anfitrión</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>coanfitrión</translation>
    </message>
    <message>
        <source>speaker</source>
        <translation>orador</translation>
    </message>
    <message>
        <source>muted by a host</source>
        <translation>silenciado por un anfitrión</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>silenciado</translation>
    </message>
    <message>
        <source>feedback</source>
        <translation>acople</translation>
    </message>
    <message>
        <source>Lift &amp;mute</source>
        <translation>&amp;Quitar silencio</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>&amp;Silenciar</translation>
    </message>
    <message>
        <source>Stop recor&amp;ding</source>
        <translation>Detener la &amp;grabación</translation>
    </message>
    <message>
        <source>Start recor&amp;ding</source>
        <translation>Iniciar la &amp;grabación</translation>
    </message>
    <message>
        <source>Remove {name} from this room? They cannot come back while it lasts.</source>
        <translation>¿Expulsar a {name} de esta sala? No podrá volver mientras dure.</translation>
    </message>
    <message>
        <source>End the room for everyone? Listeners will see that it ended.</source>
        <translation>¿Finalizar la sala para todos? Los oyentes verán que terminó.</translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Invitation to speak</source>
        <translation>Invitación para hablar</translation>
    </message>
    <message>
        <source>You are invited to speak on stage</source>
        <translation>Te invitan a hablar en el escenario</translation>
    </message>
    <message>
        <source>You join muted and unmute yourself when you are ready. Speak to check that the meter moves.</source>
        <translation>Entras silenciado y activas tu micrófono cuando estés listo. Habla para comprobar que el medidor se mueve.</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Micrófono:</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Micrófono</translation>
    </message>
    <message>
        <source>Input level:</source>
        <translation>Nivel de entrada:</translation>
    </message>
    <message>
        <source>Microphone input level</source>
        <translation>Nivel de entrada del micrófono</translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation>&amp;Aceptar</translation>
    </message>
    <message>
        <source>Accept and go on stage</source>
        <translation>Aceptar y subir al escenario</translation>
    </message>
    <message>
        <source>&amp;Not now</source>
        <translation>Ahora &amp;no</translation>
    </message>
    <message>
        <source>Not now: stay in the audience</source>
        <translation>Ahora no: seguir en el público</translation>
    </message>
    <message>
        <source>M&amp;usic mode (on headphones)</source>
        <translation>Modo mú&amp;sica (con auriculares)</translation>
    </message>
    <message>
        <source>Echo cancellation is unavailable on this computer. Use headphones, or the room will hear itself through your microphone.</source>
        <translation>La cancelación de eco no está disponible en este equipo. Usa auriculares, o la sala se oirá a sí misma a través de tu micrófono.</translation>
    </message>
    <message>
        <source>No microphone found</source>
        <translation>No se encontró ningún micrófono</translation>
    </message>
    <message>
        <source>{name} (default)</source>
        <translation>{name} (predeterminado)</translation>
    </message>
</context>
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
    <message>
        <source>The demo room could not start: {reason}</source>
        <translation>No se pudo iniciar la sala de demostración: {reason}</translation>
    </message>
</context>
<context>
    <name>LinkHandoff</name>
    <message>
        <source>Room {number}</source>
        <translation>Sala {number}</translation>
    </message>
    <message>
        <source>Join another room?</source>
        <translation>¿Entrar en otra sala?</translation>
    </message>
    <message>
        <source>Leave {current} and join {new}?</source>
        <translation>¿Abandonar {current} y entrar en {new}?</translation>
    </message>
    <message>
        <source>Leave and &amp;join</source>
        <translation>Abandonar y &amp;entrar</translation>
    </message>
    <message>
        <source>&amp;Stay here</source>
        <translation>&amp;Quedarme aquí</translation>
    </message>
</context>
<context>
    <name>ListenerCountLabel</name>
    <message>
        <source>Listener count unknown</source>
        <translation>Número de oyentes desconocido</translation>
    </message>
    <message>
        <source>Nobody is counting listeners right now (the room&apos;s controller is not reachable).</source>
        <translation>Ahora nadie cuenta los oyentes (no se puede contactar con el controlador de la sala).</translation>
    </message>
    <message>
        <source>{listeners} · updated {seconds} s ago</source>
        <translation>{listeners} · actualizado hace {seconds} s</translation>
    </message>
    <message>
        <source>{listeners} · updated {minutes} min ago</source>
        <translation>{listeners} · actualizado hace {minutes} min</translation>
    </message>
    <message numerus="yes">
        <source>{count} listener(s)</source>
        <translation>
            <numerusform>{count} oyente</numerusform>
            <numerusform>{count} oyentes</numerusform>
        </translation>
    </message>
    <message>
        <source>en</source>
        <comment>locale code of this translation, for numbers</comment>
        <translation>es</translation>
    </message>
    <message>
        <source>Listeners</source>
        <translation>Oyentes</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Room</source>
        <translation>&amp;Sala</translation>
    </message>
    <message>
        <source>&amp;Browse rooms…</source>
        <translation>&amp;Explorar salas…</translation>
    </message>
    <message>
        <source>&amp;Start a room…</source>
        <translation>&amp;Iniciar una sala…</translation>
    </message>
    <message>
        <source>Mo&amp;ve room…</source>
        <translation>&amp;Trasladar la sala…</translation>
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
        <source>Raise &amp;hand</source>
        <translation>Levantar la &amp;mano</translation>
    </message>
    <message>
        <source>Connection &amp;details…</source>
        <translation>&amp;Detalles de la conexión…</translation>
    </message>
    <message>
        <source>&amp;Protected start (wait for 0.5 s of audio when joining)</source>
        <translation>Inicio &amp;protegido (esperar 0,5 s de audio al entrar)</translation>
    </message>
    <message>
        <source>Clear &amp;recent rooms</source>
        <translation>&amp;Borrar salas recientes</translation>
    </message>
    <message>
        <source>Setti&amp;ngs…</source>
        <translation>Co&amp;nfiguración…</translation>
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
</context>
<context>
    <name>MoveRoomDialog</name>
    <message>
        <source>Move room</source>
        <translation>Trasladar la sala</translation>
    </message>
    <message>
        <source>Everyone in this room goes to the new room: listeners follow on their own; speakers and co-hosts are invited onto its stage if you hold its host pass.</source>
        <translation>Todos los de esta sala pasan a la nueva sala: los oyentes la siguen por sí solos; a los oradores y coanfitriones se les invita a su escenario si tienes su pase de anfitrión.</translation>
    </message>
    <message>
        <source>To the room at this &amp;link:</source>
        <translation>A la sala de este &amp;enlace:</translation>
    </message>
    <message>
        <source>New room link</source>
        <translation>Enlace de la nueva sala</translation>
    </message>
    <message>
        <source>Paste a link such as plaza://host:8989/1234</source>
        <translation>Pega un enlace como plaza://host:8989/1234</translation>
    </message>
    <message>
        <source>To a &amp;fresh room, started now:</source>
        <translation>A una sala &amp;nueva, iniciada ahora:</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Servidor:</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>&amp;Título:</translation>
    </message>
    <message>
        <source>Room server address</source>
        <translation>Dirección del servidor de la sala</translation>
    </message>
    <message>
        <source>Room title</source>
        <translation>Título de la sala</translation>
    </message>
    <message>
        <source>&amp;Move…</source>
        <translation>T&amp;rasladar…</translation>
    </message>
    <message>
        <source>Give the new room a title.</source>
        <translation>Ponle un título a la nueva sala.</translation>
    </message>
    <message>
        <source>Start a fresh room and move everyone in this room there?</source>
        <translation>¿Iniciar una sala nueva y trasladar allí a todos los de esta sala?</translation>
    </message>
    <message>
        <source>That is the link of this room. Paste the link of the room to move to.</source>
        <translation>Ese es el enlace de esta sala. Pega el enlace de la sala a la que trasladarla.</translation>
    </message>
    <message>
        <source>Move everyone in this room to the new room? The room ends here.</source>
        <translation>¿Trasladar a todos los de esta sala a la nueva sala? La sala termina aquí.</translation>
    </message>
    <message>
        <source>The room did not move: something went wrong. Try again.</source>
        <translation>La sala no se movió: algo salió mal. Inténtalo de nuevo.</translation>
    </message>
    <message>
        <source>Starting the new room…</source>
        <translation>Iniciando la nueva sala…</translation>
    </message>
    <message>
        <source>The new room could not be started, so nobody moved. Check the server address.</source>
        <translation>No se pudo iniciar la nueva sala, así que nadie se trasladó. Comprueba la dirección del servidor.</translation>
    </message>
    <message>
        <source>Moving the room…</source>
        <translation>Trasladando la sala…</translation>
    </message>
    <message>
        <source>The room did not move: its controller could not be reached or did not carry it out. Try again.</source>
        <translation>La sala no se trasladó: no se pudo contactar con su controlador o no lo llevó a cabo. Inténtalo de nuevo.</translation>
    </message>
</context>
<context>
    <name>MusicMode</name>
    <message>
        <source>For singing or playing an instrument: feedback mutes the microphone only when the howl comes from what Plaza plays, or once it is loud. Wear headphones: a howl through another device is caught late, or not at all.</source>
        <translation>Para cantar o tocar un instrumento: el acople silencia el micrófono solo cuando el pitido viene de lo que Plaza reproduce, o cuando ya es fuerte. Usa auriculares: un pitido a través de otro dispositivo se detecta tarde, o no se detecta.</translation>
    </message>
</context>
<context>
    <name>OutputControls</name>
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
<context>
    <name>ReactionBar</name>
    <message>
        <source>Reactions</source>
        <translation>Reacciones</translation>
    </message>
    <message>
        <source>{name} ({key})</source>
        <translation>{name} ({key})</translation>
    </message>
    <message>
        <source>React: {name}</source>
        <translation>Reaccionar: {name}</translation>
    </message>
    <message>
        <source>Slow down: a few reactions a second at most</source>
        <translation>Más despacio: unas pocas reacciones por segundo como máximo</translation>
    </message>
</context>
<context>
    <name>Reactions</name>
    <message>
        <source>Applause</source>
        <translation>Aplausos</translation>
    </message>
    <message>
        <source>Love</source>
        <translation>Me encanta</translation>
    </message>
    <message>
        <source>Laughter</source>
        <translation>Risas</translation>
    </message>
    <message>
        <source>Hundred points</source>
        <translation>Cien puntos</translation>
    </message>
    <message>
        <source>Me! (hand up)</source>
        <translation>¡Yo! (mano arriba)</translation>
    </message>
    <message>
        <source>Fire</source>
        <translation>Fuego</translation>
    </message>
    <message>
        <source>Reactions: none in the last minute</source>
        <translation>Reacciones: ninguna en el último minuto</translation>
    </message>
    <message>
        <source>Reactions per minute: {rates} ({total} in all)</source>
        <translation>Reacciones por minuto: {rates} ({total} en total)</translation>
    </message>
</context>
<context>
    <name>ReconnectBanner</name>
    <message>
        <source>Reconnecting</source>
        <translation>Reconectando</translation>
    </message>
    <message>
        <source>Reconnect status</source>
        <translation>Estado de la reconexión</translation>
    </message>
    <message>
        <source>&amp;Details…</source>
        <translation>&amp;Detalles…</translation>
    </message>
    <message>
        <source>Connection details</source>
        <translation>Detalles de la conexión</translation>
    </message>
    <message>
        <source>Show the connection details and the reconnect history</source>
        <translation>Mostrar los detalles de la conexión y el historial de reconexiones</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>Reconectando…</translation>
    </message>
    <message>
        <source>Reconnecting… attempt {attempt}, connecting to {server}</source>
        <translation>Reconectando… intento {attempt}, conectando con {server}</translation>
    </message>
    <message>
        <source>Reconnecting… attempt {attempt}, next try in {seconds} s</source>
        <translation>Reconectando… intento {attempt}, próximo intento en {seconds} s</translation>
    </message>
    <message>
        <source>audio paused</source>
        <translation>audio en pausa</translation>
    </message>
    <message>
        <source>{seconds} s of audio left</source>
        <translation>quedan {seconds} s de audio</translation>
    </message>
    <message>
        <source>{reconnect} · {audio}</source>
        <translation>{reconnect} · {audio}</translation>
    </message>
    <message>
        <source>Audio paused until the connection is back</source>
        <translation>Audio en pausa hasta que vuelva la conexión</translation>
    </message>
</context>
<context>
    <name>RoomBrowserDialog</name>
    <message>
        <source>Browse rooms</source>
        <translation>Explorar salas</translation>
    </message>
    <message>
        <source>&amp;Servers:</source>
        <translation>&amp;Servidores:</translation>
    </message>
    <message>
        <source>Janus servers (ws:// or wss:// addresses), separated by spaces</source>
        <translation>Servidores Janus (direcciones ws:// o wss://), separados por espacios</translation>
    </message>
    <message>
        <source>&amp;Browse</source>
        <translation>&amp;Explorar</translation>
    </message>
    <message>
        <source>Filter by title or host</source>
        <translation>Filtrar por título o anfitrión</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Título</translation>
    </message>
    <message>
        <source>Hosts</source>
        <translation>Anfitriones</translation>
    </message>
    <message>
        <source>Listeners</source>
        <translation>Oyentes</translation>
    </message>
    <message>
        <source>Live for</source>
        <translation>En directo desde hace</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>&amp;Unirse</translation>
    </message>
    <message>
        <source>“{address}” is not a server address (ws://HOST:PORT/janus or wss://…).</source>
        <translation>«{address}» no es una dirección de servidor (ws://HOST:PUERTO/janus o wss://…).</translation>
    </message>
    <message>
        <source>Enter at least one server address.</source>
        <translation>Escribe al menos una dirección de servidor.</translation>
    </message>
    <message>
        <source>Room {number}</source>
        <translation>Sala {number}</translation>
    </message>
    <message>
        <source>just started</source>
        <translation>acaba de empezar</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} min</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} h {minutes} min</translation>
    </message>
    <message>
        <source>Cannot reach the lobby of {servers}; trying again.</source>
        <translation>No se puede acceder al vestíbulo de {servers}; se vuelve a intentar.</translation>
    </message>
    <message>
        <source>Looking for live rooms…</source>
        <translation>Buscando salas en directo…</translation>
    </message>
    <message>
        <source>No live rooms match.</source>
        <translation>Ninguna sala en directo coincide.</translation>
    </message>
    <message>
        <source>No live rooms right now.</source>
        <translation>No hay salas en directo ahora mismo.</translation>
    </message>
</context>
<context>
    <name>RoomView</name>
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
        <source>● REC</source>
        <translation>● GRAB</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>Grabando</translation>
    </message>
    <message>
        <source>This room is being recorded: the room&apos;s server is saving what is said on stage.</source>
        <translation>Esta sala se está grabando: el servidor de la sala guarda lo que se dice en el escenario.</translation>
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
        <source>Live — reconnecting</source>
        <translation>En directo — reconectando</translation>
    </message>
    <message>
        <source>Ended: {reason}</source>
        <translation>Finalizada: {reason}</translation>
    </message>
    <message>
        <source>Error: {reason}</source>
        <translation>Error: {reason}</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Sin conexión</translation>
    </message>
    <message>
        <source>The room moved to “{room}”; you followed it.</source>
        <translation>La sala se trasladó a «{room}» y la seguiste.</translation>
    </message>
    <message>
        <source>Its speakers could not be brought onto the new stage; they need to be invited again there.</source>
        <translation>Sus oradores no pudieron pasar al nuevo escenario; hay que invitarlos de nuevo allí.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Plaza Settings</source>
        <translation>Configuración de Plaza</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Idioma:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>&amp;Output device:</source>
        <translation>Dispositivo de &amp;salida:</translation>
    </message>
    <message>
        <source>Output device for rooms</source>
        <translation>Dispositivo de salida para las salas</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Micrófono:</translation>
    </message>
    <message>
        <source>Microphone for speaking on stage</source>
        <translation>Micrófono para hablar en el escenario</translation>
    </message>
    <message>
        <source>&amp;Protected start (wait for 0.5 s of audio when joining)</source>
        <translation>Inicio &amp;protegido (esperar 0,5 s de audio al entrar)</translation>
    </message>
    <message>
        <source>Off: a room plays within a moment and builds its cushion while it plays. On: a short outage right after joining is not heard.</source>
        <translation>Desactivado: la sala suena al instante y acumula su reserva mientras suena. Activado: no se oye un corte breve justo después de entrar.</translation>
    </message>
    <message>
        <source>&amp;Keep playing in the tray when the window is closed</source>
        <translation>Seguir sonando en la &amp;bandeja al cerrar la ventana</translation>
    </message>
    <message>
        <source>This desktop has no system tray: closing the window quits Plaza.</source>
        <translation>Este escritorio no tiene bandeja del sistema: cerrar la ventana cierra Plaza.</translation>
    </message>
    <message>
        <source>Start mi&amp;nimized (in the tray if there is one)</source>
        <translation>Iniciar mi&amp;nimizado (en la bandeja si la hay)</translation>
    </message>
    <message>
        <source>Reduce mo&amp;tion (reactions as a line of counts, without animation)</source>
        <translation>Reducir mo&amp;vimiento (reacciones como una línea de recuentos, sin animación)</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Predeterminado del sistema</translation>
    </message>
    <message>
        <source>{name} (not connected)</source>
        <translation>{name} (no conectado)</translation>
    </message>
</context>
<context>
    <name>StageControls</name>
    <message>
        <source>Mute m&amp;y microphone</source>
        <translation>Silenciar mi mic&amp;rófono</translation>
    </message>
    <message>
        <source>Leave s&amp;tage</source>
        <translation>Abandonar el &amp;escenario</translation>
    </message>
    <message>
        <source>Leave the stage and listen again</source>
        <translation>Abandonar el escenario y volver a escuchar</translation>
    </message>
    <message>
        <source>Microphone input level</source>
        <translation>Nivel de entrada del micrófono</translation>
    </message>
    <message>
        <source>Mus&amp;ic mode (on headphones)</source>
        <translation>&amp;Modo música (con auriculares)</translation>
    </message>
    <message>
        <source>Going on stage…</source>
        <translation>Subiendo al escenario…</translation>
    </message>
    <message>
        <source>A host muted you. You can unmute when a host lifts the mute.</source>
        <translation>Un anfitrión te silenció. Podrás activar el micrófono cuando un anfitrión lo permita.</translation>
    </message>
    <message>
        <source>Your microphone was muted because it was feeding back (a howl) through something else near it: another device playing this room, or your system playing the microphone back. Turn that down or use headphones, then unmute.</source>
        <translation>Tu micrófono se silenció porque estaba acoplándose (un pitido) a través de otra cosa cercana: otro dispositivo que reproduce esta sala, o tu sistema reproduciendo el micrófono. Baja eso o usa auriculares, y luego activa el micrófono.</translation>
    </message>
    <message>
        <source>Your microphone was muted because it was feeding back (a howl). Use headphones or turn the loudspeaker down, then unmute.</source>
        <translation>Tu micrófono se silenció porque estaba acoplándose (un pitido). Usa auriculares o baja el altavoz, y luego activa el micrófono.</translation>
    </message>
    <message>
        <source>Singing or playing music on headphones? Turn on Music mode.</source>
        <translation>¿Cantas o tocas música con auriculares? Activa el modo música.</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Activar micrófono</translation>
    </message>
    <message>
        <source>Unmute your microphone</source>
        <translation>Activar tu micrófono</translation>
    </message>
    <message>
        <source>Your microphone is muted: the room does not hear you. Unmute (Ctrl+D)</source>
        <translation>Tu micrófono está silenciado: la sala no te oye. Activarlo (Ctrl+D)</translation>
    </message>
    <message>
        <source>Muted</source>
        <translation>Silenciado</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Silenciar</translation>
    </message>
    <message>
        <source>Mute your microphone</source>
        <translation>Silenciar tu micrófono</translation>
    </message>
    <message>
        <source>Your microphone is on: the room hears you. Mute (Ctrl+D)</source>
        <translation>Tu micrófono está activo: la sala te oye. Silenciarlo (Ctrl+D)</translation>
    </message>
    <message>
        <source>Live — the room hears you</source>
        <translation>En directo — la sala te oye</translation>
    </message>
</context>
<context>
    <name>StageTile</name>
    <message>
        <source>Host</source>
        <translation>Anfitrión</translation>
    </message>
    <message>
        <source>Co-host</source>
        <translation>Coanfitrión</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Orador</translation>
    </message>
    <message>
        <source>host</source>
        <translation>anfitrión</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>coanfitrión</translation>
    </message>
    <message>
        <source>speaker</source>
        <translation>orador</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>micrófono silenciado</translation>
    </message>
    <message>
        <source>talking</source>
        <translation>hablando</translation>
    </message>
    <message>
        <source>{name} — {details}</source>
        <translation>{name} — {details}</translation>
    </message>
    <message>
        <source>muted automatically (feedback)</source>
        <translation>micrófono silenciado automáticamente (acople)</translation>
    </message>
    <message>
        <source>muted by a host</source>
        <translation>silenciado por un anfitrión</translation>
    </message>
    <message>
        <source>Feedback — muted</source>
        <translation>Acople — silenciado</translation>
    </message>
    <message>
        <source>Muted by a host</source>
        <translation>Silenciado por anfitrión</translation>
    </message>
    <message>
        <source>Muted automatically: acoustic feedback (screeching) was detected on this speaker&apos;s microphone</source>
        <translation>Silenciado automáticamente: se detectó acople acústico (un pitido) en el micrófono de este orador</translation>
    </message>
    <message>
        <source>A host muted this speaker; only a host can lift it</source>
        <translation>Un anfitrión silenció a este orador; solo un anfitrión puede quitarlo</translation>
    </message>
</context>
<context>
    <name>StageView</name>
    <message>
        <source>Waiting for the stage…</source>
        <translation>Esperando el escenario…</translation>
    </message>
    <message>
        <source>Nobody is on stage right now. Stay tuned!</source>
        <translation>Ahora no hay nadie en el escenario. ¡No te vayas!</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Escenario</translation>
    </message>
    <message>
        <source>People on stage</source>
        <translation>Personas en el escenario</translation>
    </message>
</context>
<context>
    <name>StartRoomDialog</name>
    <message>
        <source>Start a room</source>
        <translation>Iniciar una sala</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Servidor:</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>&amp;Título:</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Iniciar</translation>
    </message>
    <message>
        <source>Server &amp;admin key:</source>
        <translation>Clave de &amp;administración del servidor:</translation>
    </message>
    <message>
        <source>Room server address</source>
        <translation>Dirección del servidor de la sala</translation>
    </message>
    <message>
        <source>Room title</source>
        <translation>Título de la sala</translation>
    </message>
    <message>
        <source>Server admin key</source>
        <translation>Clave de administración del servidor</translation>
    </message>
    <message>
        <source>only if the server asks for one</source>
        <translation>solo si el servidor la pide</translation>
    </message>
    <message>
        <source>This computer has no keyring to keep the room&apos;s secrets. The room will run with its secrets in memory only: they are never saved, no other computer can take it over, and only this window can host it.</source>
        <translation>Este equipo no tiene un llavero para guardar los secretos de la sala. La sala funcionará con sus secretos solo en memoria: nunca se guardan, ningún otro equipo puede tomar el relevo y solo esta ventana puede presentarla.</translation>
    </message>
    <message>
        <source>Starting the room…</source>
        <translation>Iniciando la sala…</translation>
    </message>
    <message>
        <source>The room could not be started: {reason}</source>
        <translation>No se pudo iniciar la sala: {reason}</translation>
    </message>
</context>
</TS>
