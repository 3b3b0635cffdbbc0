<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id" sourcelanguage="en">
<context>
    <name>JoinView</name>
    <message>
        <source>Join a room</source>
        <translation>Gabung ke ruang</translation>
    </message>
    <message>
        <source>Room &amp;link:</source>
        <translation>&amp;Tautan ruang:</translation>
    </message>
    <message>
        <source>Paste a link such as plaza://host:8989/1234</source>
        <translation>Tempel tautan seperti plaza://host:8989/1234</translation>
    </message>
    <message>
        <source>Room link</source>
        <translation>Tautan ruang</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>&amp;Gabung</translation>
    </message>
    <message>
        <source>Join the room</source>
        <translation>Bergabung ke ruang</translation>
    </message>
    <message>
        <source>Join the room and start listening (Return)</source>
        <translation>Bergabung ke ruang dan mulai mendengarkan (Enter)</translation>
    </message>
    <message>
        <source>Re&amp;cent rooms:</source>
        <translation>Ruang t&amp;erbaru:</translation>
    </message>
    <message>
        <source>Recent rooms</source>
        <translation>Ruang terbaru</translation>
    </message>
    <message>
        <source>Press Return or double-click to join again</source>
        <translation>Tekan Enter atau klik dua kali untuk bergabung lagi</translation>
    </message>
    <message>
        <source>Link problem</source>
        <translation>Masalah tautan</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Room</source>
        <translation>&amp;Ruang</translation>
    </message>
    <message>
        <source>&amp;Leave room</source>
        <translation>&amp;Tinggalkan ruang</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>&amp;Senyapkan</translation>
    </message>
    <message>
        <source>Clear &amp;recent rooms</source>
        <translation>&amp;Hapus daftar ruang terbaru</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Keluar</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>Ta&amp;mpilan</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Bahasa</translation>
    </message>
    <message>
        <source>&amp;System default</source>
        <translation>&amp;Bawaan sistem</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Bantuan</translation>
    </message>
    <message>
        <source>&amp;About Plaza</source>
        <translation>&amp;Tentang Plaza</translation>
    </message>
    <message>
        <source>About Plaza</source>
        <translation>Tentang Plaza</translation>
    </message>
    <message>
        <source>Plaza {version}
Live audio rooms.</source>
        <translation>Plaza {version}
Ruang audio langsung.</translation>
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
        <translation>Memulai ruang demo…</translation>
    </message>
    <message>
        <source>The demo room could not start: {reason}</source>
        <translation>Ruang demo tidak dapat dimulai: {reason}</translation>
    </message>
    <message>
        <source>Cannot use this link: {reason}</source>
        <translation>Tautan ini tidak dapat digunakan: {reason}</translation>
    </message>
</context>
<context>
    <name>RoomView</name>
    <message>
        <source>Vol&amp;ume:</source>
        <translation>&amp;Volume:</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>Volume</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>&amp;Senyapkan</translation>
    </message>
    <message>
        <source>Mute this room on this computer</source>
        <translation>Senyapkan ruang ini di komputer ini</translation>
    </message>
    <message>
        <source>Silence the room here only (M)</source>
        <translation>Senyapkan ruang hanya di sini (M)</translation>
    </message>
    <message>
        <source>Output &amp;device:</source>
        <translation>&amp;Perangkat keluaran:</translation>
    </message>
    <message>
        <source>Output device</source>
        <translation>Perangkat keluaran</translation>
    </message>
    <message>
        <source>&amp;Leave</source>
        <translation>&amp;Tinggalkan</translation>
    </message>
    <message>
        <source>Leave the room</source>
        <translation>Tinggalkan ruang</translation>
    </message>
    <message>
        <source>Leave the room (Ctrl+L)</source>
        <translation>Tinggalkan ruang (Ctrl+L)</translation>
    </message>
    <message>
        <source>Room status</source>
        <translation>Status ruang</translation>
    </message>
    <message>
        <source>Room title</source>
        <translation>Judul ruang</translation>
    </message>
    <message>
        <source>Room {number}</source>
        <translation>Ruang {number}</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Menghubungkan…</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>Siaran langsung</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <source>Error: {reason}</source>
        <translation>Kesalahan: {reason}</translation>
    </message>
    <message>
        <source>unknown problem</source>
        <translation>masalah tidak diketahui</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Tidak terhubung</translation>
    </message>
    <message>
        <source>No sound device: {reason}. Playing silently.</source>
        <translation>Tidak ada perangkat suara: {reason}. Diputar tanpa suara.</translation>
    </message>
    <message>
        <source>{percent} %</source>
        <translation>{percent}%</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Bawaan sistem</translation>
    </message>
    <message>
        <source>{name} (default)</source>
        <translation>{name} (bawaan)</translation>
    </message>
    <message>
        <source>No output devices found</source>
        <translation>Tidak ada perangkat keluaran</translation>
    </message>
</context>
</TS>
