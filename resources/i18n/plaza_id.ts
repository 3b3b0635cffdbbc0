<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id" sourcelanguage="en">
<context>
    <name>AudienceChart</name>
    <message>
        <source>unknown</source>
        <translation>tidak diketahui</translation>
    </message>
    <message>
        <source>No audience data yet.</source>
        <translation>Belum ada data hadirin.</translation>
    </message>
    <message>
        <source>Listeners now: {listeners}. This minute: {joins} joined, {leaves} left, {reconnects} reconnected.</source>
        <translation>Pendengar sekarang: {listeners}. Menit ini: {joins} bergabung, {leaves} keluar, {reconnects} tersambung ulang.</translation>
    </message>
    <message>
        <source>Peak: {listeners} at {time}.</source>
        <translation>Puncak: {listeners} pukul {time}.</translation>
    </message>
    <message>
        <source>Reconnect waves: {count}; the largest at {time}: {reconnects} reconnected.</source>
        <translation>Gelombang sambung ulang: {count}; yang terbesar pukul {time}: {reconnects} tersambung ulang.</translation>
    </message>
    <message>
        <source>{time} — listeners: {listeners}; joined: {joins}; left: {leaves}; reconnected: {reconnects}</source>
        <translation>{time} — pendengar: {listeners}; bergabung: {joins}; keluar: {leaves}; tersambung ulang: {reconnects}</translation>
    </message>
    <message>
        <source>en</source>
        <comment>locale code of this translation, for numbers</comment>
        <translation>id</translation>
    </message>
    <message>
        <source>Audience chart</source>
        <translation>Grafik hadirin</translation>
    </message>
    <message>
        <source>Listeners</source>
        <translation>Pendengar</translation>
    </message>
    <message>
        <source>Joins per minute</source>
        <translation>Bergabung per menit</translation>
    </message>
    <message>
        <source>Leaves per minute</source>
        <translation>Keluar per menit</translation>
    </message>
    <message>
        <source>Reconnect wave</source>
        <translation>Gelombang sambung ulang</translation>
    </message>
    <message>
        <source>{count}/min</source>
        <comment>joins or leaves per minute, on the chart&apos;s axis</comment>
        <translation>{count}/mnt</translation>
    </message>
</context>
<context>
    <name>AudienceWindow</name>
    <message>
        <source>Audience</source>
        <translation>Hadirin</translation>
    </message>
    <message>
        <source>&amp;Export CSV…</source>
        <translation>&amp;Ekspor CSV…</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Tutup</translation>
    </message>
    <message>
        <source>Updated at {time}.</source>
        <translation>Diperbarui pukul {time}.</translation>
    </message>
    <message>
        <source>Showing the last {shown} min of the {kept} min the controller keeps.</source>
        <translation>Menampilkan {shown} menit terakhir dari {kept} menit yang disimpan pengendali.</translation>
    </message>
    <message>
        <source>The room&apos;s controller did not answer; trying again in 10 s.</source>
        <translation>Pengendali ruang tidak menjawab; mencoba lagi dalam 10 detik.</translation>
    </message>
    <message>
        <source>Asking the room&apos;s controller…</source>
        <translation>Menanyai pengendali ruang…</translation>
    </message>
    <message>
        <source>Export the audience as CSV</source>
        <translation>Ekspor data hadirin sebagai CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Berkas CSV (*.csv)</translation>
    </message>
    <message>
        <source>Could not save the audience data to {file}. Check that the folder exists and that you may write there.</source>
        <translation>Data hadirin tidak dapat disimpan ke {file}. Periksa apakah foldernya ada dan Anda boleh menulis di sana.</translation>
    </message>
    <message>
        <source>Saved to {file}.</source>
        <translation>Disimpan ke {file}.</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>Ekspor CSV</translation>
    </message>
</context>
<context>
    <name>ConnectionDialog</name>
    <message>
        <source>Server:</source>
        <translation>Server:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Round-trip time:</source>
        <translation>Waktu pulang-pergi:</translation>
    </message>
    <message>
        <source>Packet loss:</source>
        <translation>Paket hilang:</translation>
    </message>
    <message>
        <source>Jitter:</source>
        <translation>Jitter:</translation>
    </message>
    <message>
        <source>Audio cushion (now / target):</source>
        <translation>Penyangga audio (kini / target):</translation>
    </message>
    <message>
        <source>Outage it would hide now:</source>
        <translation>Gangguan yang bisa ditutupi sekarang:</translation>
    </message>
    <message>
        <source>Gaps masked:</source>
        <translation>Jeda tertutupi:</translation>
    </message>
    <message>
        <source>Gaps heard:</source>
        <translation>Jeda terdengar:</translation>
    </message>
    <message>
        <source>Content skipped:</source>
        <translation>Konten terlewati:</translation>
    </message>
    <message>
        <source>Concealed frames:</source>
        <translation>Bingkai tersamarkan:</translation>
    </message>
    <message>
        <source>FEC recoveries:</source>
        <translation>Pemulihan FEC:</translation>
    </message>
    <message>
        <source>Clock drift:</source>
        <translation>Pergeseran jam:</translation>
    </message>
    <message>
        <source>Packets received:</source>
        <translation>Paket diterima:</translation>
    </message>
    <message>
        <source>Packets lost:</source>
        <translation>Paket hilang:</translation>
    </message>
    <message>
        <source>Late packets:</source>
        <translation>Paket terlambat:</translation>
    </message>
    <message>
        <source>Duplicate packets:</source>
        <translation>Paket duplikat:</translation>
    </message>
    <message>
        <source>Lost at</source>
        <translation>Terputus pada</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Alasan</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Percobaan</translation>
    </message>
    <message>
        <source>Recovered</source>
        <translation>Pulih</translation>
    </message>
    <message>
        <source>New server</source>
        <translation>Server baru</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Tidak terhubung</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>Menghubungkan</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>Siaran langsung</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>Menghubungkan ulang</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Kesalahan</translation>
    </message>
    <message>
        <source>Connection details</source>
        <translation>Detail koneksi</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>Koneksi</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Audio</translation>
    </message>
    <message>
        <source>Packets</source>
        <translation>Paket</translation>
    </message>
    <message>
        <source>Reconnect history</source>
        <translation>Riwayat sambung ulang</translation>
    </message>
    <message>
        <source>No reconnects since joining.</source>
        <translation>Tidak ada sambung ulang sejak bergabung.</translation>
    </message>
    <message>
        <source>&amp;Copy report</source>
        <translation>&amp;Salin laporan</translation>
    </message>
    <message>
        <source>Copy these details as plain text, e.g. for a support request</source>
        <translation>Salin detail ini sebagai teks biasa, mis. untuk permintaan dukungan</translation>
    </message>
    <message>
        <source>Report copied to the clipboard.</source>
        <translation>Laporan disalin ke papan klip.</translation>
    </message>
    <message>
        <source>{now} / {target}</source>
        <translation>{now} / {target}</translation>
    </message>
    <message>
        <source>still retrying</source>
        <translation>masih mencoba lagi</translation>
    </message>
    <message>
        <source>after {seconds} s</source>
        <translation>setelah {seconds} dtk</translation>
    </message>
    <message>
        <source>Plaza {version} connection report, {time}</source>
        <translation>Laporan koneksi Plaza {version}, {time}</translation>
    </message>
</context>
<context>
    <name>DesktopTray</name>
    <message>
        <source>&amp;Show Plaza</source>
        <translation>&amp;Tampilkan Plaza</translation>
    </message>
    <message>
        <source>&amp;Quit Plaza</source>
        <translation>&amp;Keluar dari Plaza</translation>
    </message>
    <message>
        <source>Plaza</source>
        <translation>Plaza</translation>
    </message>
    <message>
        <source>Plaza is still running</source>
        <translation>Plaza masih berjalan</translation>
    </message>
    <message>
        <source>The room keeps playing. To quit, choose Quit Plaza in the tray icon&apos;s menu.</source>
        <translation>Ruang tetap diputar. Untuk keluar, pilih Keluar dari Plaza di menu ikon baki sistem.</translation>
    </message>
    <message>
        <source>Reconnected</source>
        <translation>Tersambung kembali</translation>
    </message>
    <message>
        <source>Back in the room after {seconds} s.</source>
        <translation>Kembali ke ruang setelah {seconds} dtk.</translation>
    </message>
    <message>
        <source>The room has ended</source>
        <translation>Ruang telah berakhir</translation>
    </message>
    <message>
        <source>You are invited to speak</source>
        <translation>Anda diundang untuk berbicara</translation>
    </message>
    <message>
        <source>Open Plaza to check your microphone and accept, or choose Not now.</source>
        <translation>Buka Plaza untuk memeriksa mikrofon Anda dan menerima, atau pilih Nanti saja.</translation>
    </message>
</context>
<context>
    <name>ErrorText</name>
    <message>
        <source>Paste a room link first.</source>
        <translation>Tempelkan tautan ruang terlebih dahulu.</translation>
    </message>
    <message>
        <source>This link is too long to be a room link.</source>
        <translation>Tautan ini terlalu panjang untuk tautan ruang.</translation>
    </message>
    <message>
        <source>This is not a room link. Room links start with plaza:// or plaza+ws://.</source>
        <translation>Ini bukan tautan ruang. Tautan ruang diawali dengan plaza:// atau plaza+ws://.</translation>
    </message>
    <message>
        <source>This is another kind of link. Room links start with plaza:// or plaza+ws://.</source>
        <translation>Ini tautan jenis lain. Tautan ruang diawali dengan plaza:// atau plaza+ws://.</translation>
    </message>
    <message>
        <source>Room links never carry passwords or secrets, and this one does. Ask for a link without them.</source>
        <translation>Tautan ruang tidak pernah memuat kata sandi atau rahasia, tetapi tautan ini memuatnya. Mintalah tautan tanpa itu.</translation>
    </message>
    <message>
        <source>The link does not say which server the room is on.</source>
        <translation>Tautan ini tidak menyebutkan server tempat ruang berada.</translation>
    </message>
    <message>
        <source>The link&apos;s port number is not valid.</source>
        <translation>Nomor port pada tautan ini tidak valid.</translation>
    </message>
    <message>
        <source>The link has no room number.</source>
        <translation>Tautan ini tidak memuat nomor ruang.</translation>
    </message>
    <message>
        <source>The link&apos;s room number is not valid.</source>
        <translation>Nomor ruang pada tautan ini tidak valid.</translation>
    </message>
    <message>
        <source>The link has options Plaza does not understand.</source>
        <translation>Tautan ini memuat opsi yang tidak dipahami Plaza.</translation>
    </message>
    <message>
        <source>One of the link&apos;s servers is not a valid ws:// or wss:// address.</source>
        <translation>Salah satu server pada tautan ini bukan alamat ws:// atau wss:// yang valid.</translation>
    </message>
    <message>
        <source>The link lists too many servers.</source>
        <translation>Tautan ini mencantumkan terlalu banyak server.</translation>
    </message>
    <message>
        <source>This computer has no network address for the room&apos;s audio (the audio never goes through loopback). Connect to any network, even one without internet, or add a dummy interface: {command}</source>
        <translation>Komputer ini tidak memiliki alamat jaringan untuk audio ruang (audio tidak pernah lewat antarmuka lokal lo). Sambungkan ke jaringan apa pun, walau tanpa internet, atau tambahkan antarmuka tiruan: {command}</translation>
    </message>
    <message>
        <source>The room server Janus is not installed. Install it with: {command}</source>
        <translation>Server ruang Janus belum terpasang. Pasang dengan: {command}</translation>
    </message>
    <message>
        <source>The room server&apos;s port is already in use (is another Plaza demo running?).</source>
        <translation>Port server ruang sudah terpakai (apakah demo Plaza lain sedang berjalan?).</translation>
    </message>
    <message>
        <source>The room server could not start.</source>
        <translation>Server ruang tidak dapat dijalankan.</translation>
    </message>
    <message>
        <source>This room does not exist (or it has already ended).</source>
        <translation>Ruang ini tidak ada (atau sudah berakhir).</translation>
    </message>
    <message>
        <source>The room&apos;s server cannot be reached. Check your internet connection and try again.</source>
        <translation>Server ruang tidak dapat dihubungi. Periksa koneksi internet Anda, lalu coba lagi.</translation>
    </message>
    <message>
        <source>The room&apos;s audio did not start.</source>
        <translation>Audio ruang tidak dapat dimulai.</translation>
    </message>
    <message>
        <source>The room moved, but its new room could not be found on the new link&apos;s servers.</source>
        <translation>Ruang ini pindah, tetapi ruang barunya tidak ditemukan di server tautan baru.</translation>
    </message>
    <message>
        <source>The server sent a reply Plaza cannot use.</source>
        <translation>Server mengirim balasan yang tidak dapat digunakan Plaza.</translation>
    </message>
    <message>
        <source>The room&apos;s server refused to play this room.</source>
        <translation>Server ruangan menolak memutar ruangan ini.</translation>
    </message>
    <message>
        <source>Something on this computer failed (a file or a device could not be used).</source>
        <translation>Terjadi kegagalan di komputer ini (sebuah berkas atau perangkat tidak dapat digunakan).</translation>
    </message>
    <message>
        <source>Something went wrong.</source>
        <translation>Terjadi kesalahan.</translation>
    </message>
    <message>
        <source>No sound device could be opened, so the room plays silently. Check your speakers or headphones, or pick another output device.</source>
        <translation>Tidak ada perangkat suara yang dapat dibuka, jadi ruang diputar tanpa suara. Periksa pengeras suara atau headphone Anda, atau pilih perangkat keluaran lain.</translation>
    </message>
    <message>
        <source>Your microphone could not be opened. Check that it is connected and not used by another app, or choose another one.</source>
        <translation>Mikrofon Anda tidak dapat dibuka. Pastikan mikrofon tersambung dan tidak dipakai aplikasi lain, atau pilih yang lain.</translation>
    </message>
    <message>
        <source>No microphone was found. Connect one to speak on stage, or choose Not now.</source>
        <translation>Tidak ada mikrofon yang ditemukan. Sambungkan satu untuk berbicara di panggung, atau pilih Nanti saja.</translation>
    </message>
    <message>
        <source>The invitation to speak is no longer valid (it was used, expired or withdrawn). A host can invite you again.</source>
        <translation>Undangan untuk berbicara sudah tidak berlaku (sudah dipakai, kedaluwarsa, atau ditarik). Tuan rumah dapat mengundang Anda lagi.</translation>
    </message>
    <message>
        <source>The stage&apos;s server cannot be reached, so you could not go on stage. The room keeps playing.</source>
        <translation>Server panggung tidak dapat dihubungi, jadi Anda tidak dapat naik ke panggung. Ruang tetap diputar.</translation>
    </message>
    <message>
        <source>You could not go on stage. The room keeps playing; a host can invite you again.</source>
        <translation>Anda tidak dapat naik ke panggung. Ruang tetap diputar; tuan rumah dapat mengundang Anda lagi.</translation>
    </message>
    <message>
        <source>The connection to the room&apos;s server was lost. Plaza is reconnecting; the audio already received keeps playing meanwhile.</source>
        <translation>Koneksi ke server ruang terputus. Plaza sedang menyambung ulang; sementara itu audio yang sudah diterima tetap diputar.</translation>
    </message>
    <message>
        <source>The hosts ended the room.</source>
        <translation>Tuan rumah telah mengakhiri ruang ini.</translation>
    </message>
    <message>
        <source>The room has ended.</source>
        <translation>Ruang ini telah berakhir.</translation>
    </message>
</context>
<context>
    <name>HandControl</name>
    <message>
        <source>Lower hand</source>
        <translation>Turunkan tangan</translation>
    </message>
    <message>
        <source>Take your hand down (H)</source>
        <translation>Turunkan tangan Anda (H)</translation>
    </message>
    <message>
        <source>Raise hand</source>
        <translation>Angkat tangan</translation>
    </message>
    <message>
        <source>Ask the hosts to bring you on stage (H)</source>
        <translation>Minta tuan rumah membawa Anda ke panggung (H)</translation>
    </message>
    <message>
        <source>en</source>
        <comment>locale code of this translation, for numbers</comment>
        <translation>id</translation>
    </message>
    <message>
        <source>Hand raised — {position} in queue</source>
        <translation>Tangan terangkat — urutan {position} dalam antrean</translation>
    </message>
    <message>
        <source>Hand raised — in queue</source>
        <translation>Tangan terangkat — dalam antrean</translation>
    </message>
    <message>
        <source>Hand raised — waiting for the hosts to see it</source>
        <translation>Tangan terangkat — menunggu dilihat tuan rumah</translation>
    </message>
    <message>
        <source>Lowering your hand…</source>
        <translation>Menurunkan tangan Anda…</translation>
    </message>
    <message>
        <source>Hand status</source>
        <translation>Status tangan</translation>
    </message>
</context>
<context>
    <name>HostControl</name>
    <message>
        <source>Could not go on stage; try again.</source>
        <translation>Tidak dapat naik ke panggung; coba lagi.</translation>
    </message>
    <message>
        <source>The room&apos;s controller could not be reached; try again.</source>
        <translation>Pengendali ruang tidak dapat dihubungi; coba lagi.</translation>
    </message>
</context>
<context>
    <name>HostPanel</name>
    <message>
        <source>Host tools</source>
        <translation>Alat pembawa acara</translation>
    </message>
    <message>
        <source>You host this room. What you do here reaches everyone within a second.</source>
        <translation>Anda pembawa acara ruang ini. Tindakan Anda di sini sampai ke semua orang dalam satu detik.</translation>
    </message>
    <message>
        <source>&amp;Go on stage as host</source>
        <translation>&amp;Naik ke panggung sebagai pembawa acara</translation>
    </message>
    <message>
        <source>&amp;Raised hands (oldest first)</source>
        <translation>&amp;Tangan terangkat (yang terlama dulu)</translation>
    </message>
    <message>
        <source>Raised hands</source>
        <translation>Tangan terangkat</translation>
    </message>
    <message>
        <source>&amp;Invite to speak</source>
        <translation>&amp;Undang bicara</translation>
    </message>
    <message>
        <source>On s&amp;tage</source>
        <translation>Di &amp;panggung</translation>
    </message>
    <message>
        <source>Stage members</source>
        <translation>Anggota panggung</translation>
    </message>
    <message>
        <source>Make &amp;co-host</source>
        <translation>Jadikan &amp;wakil pembawa acara</translation>
    </message>
    <message>
        <source>Move to a&amp;udience</source>
        <translation>Pindahkan ke &amp;hadirin</translation>
    </message>
    <message>
        <source>Remo&amp;ve…</source>
        <translation>&amp;Keluarkan…</translation>
    </message>
    <message>
        <source>Mute a&amp;ll speakers</source>
        <translation>Bisukan &amp;semua pembicara</translation>
    </message>
    <message>
        <source>&amp;End room…</source>
        <translation>&amp;Akhiri ruang…</translation>
    </message>
    <message>
        <source>&amp;Audience…</source>
        <translation>&amp;Grafik hadirin…</translation>
    </message>
    <message>
        <source>{name} — raised at {time}</source>
        <translation>{name} — mengangkat tangan pukul {time}</translation>
    </message>
    <message>
        <source>host</source>
        <translation>pembawa acara</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>wakil pembawa acara</translation>
    </message>
    <message>
        <source>speaker</source>
        <translation>pembicara</translation>
    </message>
    <message>
        <source>muted by a host</source>
        <translation>dibisukan oleh pembawa acara</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>dibisukan</translation>
    </message>
    <message>
        <source>feedback</source>
        <translation>umpan balik</translation>
    </message>
    <message>
        <source>Lift &amp;mute</source>
        <translation>Cabut &amp;bisu</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>&amp;Bisukan</translation>
    </message>
    <message>
        <source>Stop recor&amp;ding</source>
        <translation>Hentikan pere&amp;kaman</translation>
    </message>
    <message>
        <source>Start recor&amp;ding</source>
        <translation>Mulai pere&amp;kaman</translation>
    </message>
    <message>
        <source>Remove {name} from this room? They cannot come back while it lasts.</source>
        <translation>Keluarkan {name} dari ruang ini? Mereka tidak dapat kembali selama ruang berlangsung.</translation>
    </message>
    <message>
        <source>End the room for everyone? Listeners will see that it ended.</source>
        <translation>Akhiri ruang untuk semua orang? Pendengar akan melihat bahwa ruang telah berakhir.</translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Invitation to speak</source>
        <translation>Undangan untuk berbicara</translation>
    </message>
    <message>
        <source>You are invited to speak on stage</source>
        <translation>Anda diundang untuk berbicara di panggung</translation>
    </message>
    <message>
        <source>You join muted and unmute yourself when you are ready. Speak to check that the meter moves.</source>
        <translation>Anda bergabung dalam keadaan senyap dan menyalakan mikrofon sendiri saat siap. Bicaralah untuk memeriksa bahwa meterannya bergerak.</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Mikrofon:</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <source>Input level:</source>
        <translation>Level masukan:</translation>
    </message>
    <message>
        <source>Microphone input level</source>
        <translation>Level masukan mikrofon</translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation>&amp;Terima</translation>
    </message>
    <message>
        <source>Accept and go on stage</source>
        <translation>Terima dan naik ke panggung</translation>
    </message>
    <message>
        <source>&amp;Not now</source>
        <translation>&amp;Nanti saja</translation>
    </message>
    <message>
        <source>Not now: stay in the audience</source>
        <translation>Nanti saja: tetap di antara pendengar</translation>
    </message>
    <message>
        <source>M&amp;usic mode (on headphones)</source>
        <translation>Mode m&amp;usik (dengan headphone)</translation>
    </message>
    <message>
        <source>Echo cancellation is unavailable on this computer. Use headphones, or the room will hear itself through your microphone.</source>
        <translation>Peredam gema tidak tersedia di komputer ini. Gunakan headphone, atau ruang akan mendengar dirinya sendiri lewat mikrofon Anda.</translation>
    </message>
    <message>
        <source>No microphone found</source>
        <translation>Tidak ada mikrofon</translation>
    </message>
    <message>
        <source>{name} (default)</source>
        <translation>{name} (bawaan)</translation>
    </message>
</context>
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
    <message>
        <source>The demo room could not start: {reason}</source>
        <translation>Ruang demo tidak dapat dimulai: {reason}</translation>
    </message>
</context>
<context>
    <name>LinkHandoff</name>
    <message>
        <source>Room {number}</source>
        <translation>Ruang {number}</translation>
    </message>
    <message>
        <source>Join another room?</source>
        <translation>Bergabung ke ruang lain?</translation>
    </message>
    <message>
        <source>Leave {current} and join {new}?</source>
        <translation>Tinggalkan {current} dan bergabung ke {new}?</translation>
    </message>
    <message>
        <source>Leave and &amp;join</source>
        <translation>Tinggalkan dan &amp;bergabung</translation>
    </message>
    <message>
        <source>&amp;Stay here</source>
        <translation>&amp;Tetap di sini</translation>
    </message>
</context>
<context>
    <name>ListenerCountLabel</name>
    <message>
        <source>Listener count unknown</source>
        <translation>Jumlah pendengar tidak diketahui</translation>
    </message>
    <message>
        <source>Nobody is counting listeners right now (the room&apos;s controller is not reachable).</source>
        <translation>Saat ini tidak ada yang menghitung pendengar (pengendali ruang tidak dapat dijangkau).</translation>
    </message>
    <message>
        <source>{listeners} · updated {seconds} s ago</source>
        <translation>{listeners} · diperbarui {seconds} dtk lalu</translation>
    </message>
    <message>
        <source>{listeners} · updated {minutes} min ago</source>
        <translation>{listeners} · diperbarui {minutes} mnt lalu</translation>
    </message>
    <message numerus="yes">
        <source>{count} listener(s)</source>
        <translation>
            <numerusform>{count} pendengar</numerusform>
        </translation>
    </message>
    <message>
        <source>en</source>
        <comment>locale code of this translation, for numbers</comment>
        <translation>id</translation>
    </message>
    <message>
        <source>Listeners</source>
        <translation>Pendengar</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Room</source>
        <translation>&amp;Ruang</translation>
    </message>
    <message>
        <source>&amp;Browse rooms…</source>
        <translation>&amp;Jelajahi ruang…</translation>
    </message>
    <message>
        <source>&amp;Start a room…</source>
        <translation>&amp;Mulai ruang…</translation>
    </message>
    <message>
        <source>Mo&amp;ve room…</source>
        <translation>&amp;Pindahkan ruang…</translation>
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
        <source>Raise &amp;hand</source>
        <translation>A&amp;ngkat tangan</translation>
    </message>
    <message>
        <source>Connection &amp;details…</source>
        <translation>&amp;Detail koneksi…</translation>
    </message>
    <message>
        <source>&amp;Protected start (wait for 0.5 s of audio when joining)</source>
        <translation>Mulai &amp;terlindungi (tunggu 0,5 dtk audio saat bergabung)</translation>
    </message>
    <message>
        <source>Clear &amp;recent rooms</source>
        <translation>&amp;Hapus daftar ruang terbaru</translation>
    </message>
    <message>
        <source>Setti&amp;ngs…</source>
        <translation>P&amp;engaturan…</translation>
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
</context>
<context>
    <name>MoveRoomDialog</name>
    <message>
        <source>Move room</source>
        <translation>Pindahkan ruang</translation>
    </message>
    <message>
        <source>Everyone in this room goes to the new room: listeners follow on their own; speakers and co-hosts are invited onto its stage if you hold its host pass.</source>
        <translation>Semua orang di ruang ini pindah ke ruang baru: pendengar mengikuti dengan sendirinya; pembicara dan wakil tuan rumah diundang ke panggungnya jika Anda memegang pass tuan rumahnya.</translation>
    </message>
    <message>
        <source>To the room at this &amp;link:</source>
        <translation>Ke ruang di &amp;tautan ini:</translation>
    </message>
    <message>
        <source>New room link</source>
        <translation>Tautan ruang baru</translation>
    </message>
    <message>
        <source>Paste a link such as plaza://host:8989/1234</source>
        <translation>Tempel tautan seperti plaza://host:8989/1234</translation>
    </message>
    <message>
        <source>To a &amp;fresh room, started now:</source>
        <translation>Ke ruang &amp;baru, dimulai sekarang:</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>&amp;Judul:</translation>
    </message>
    <message>
        <source>Room server address</source>
        <translation>Alamat server ruang</translation>
    </message>
    <message>
        <source>Room title</source>
        <translation>Judul ruang</translation>
    </message>
    <message>
        <source>&amp;Move…</source>
        <translation>&amp;Pindahkan…</translation>
    </message>
    <message>
        <source>Give the new room a title.</source>
        <translation>Beri judul untuk ruang baru.</translation>
    </message>
    <message>
        <source>Start a fresh room and move everyone in this room there?</source>
        <translation>Mulai ruang baru dan pindahkan semua orang di ruang ini ke sana?</translation>
    </message>
    <message>
        <source>That is the link of this room. Paste the link of the room to move to.</source>
        <translation>Itu tautan ruang ini. Tempel tautan ruang tujuan pindah.</translation>
    </message>
    <message>
        <source>Move everyone in this room to the new room? The room ends here.</source>
        <translation>Pindahkan semua orang di ruang ini ke ruang baru? Ruang ini berakhir di sini.</translation>
    </message>
    <message>
        <source>The room did not move: something went wrong. Try again.</source>
        <translation>Ruang tidak pindah: terjadi kesalahan. Coba lagi.</translation>
    </message>
    <message>
        <source>Starting the new room…</source>
        <translation>Memulai ruang baru…</translation>
    </message>
    <message>
        <source>The new room could not be started, so nobody moved. Check the server address.</source>
        <translation>Ruang baru tidak dapat dimulai, jadi tidak ada yang pindah. Periksa alamat server.</translation>
    </message>
    <message>
        <source>Moving the room…</source>
        <translation>Memindahkan ruang…</translation>
    </message>
    <message>
        <source>The room did not move: its controller could not be reached or did not carry it out. Try again.</source>
        <translation>Ruang tidak pindah: pengendalinya tidak dapat dihubungi atau tidak menjalankannya. Coba lagi.</translation>
    </message>
</context>
<context>
    <name>MusicMode</name>
    <message>
        <source>For singing or playing an instrument: feedback mutes the microphone only when the howl comes from what Plaza plays, or once it is loud. Wear headphones: a howl through another device is caught late, or not at all.</source>
        <translation>Untuk bernyanyi atau memainkan alat musik: umpan balik menyenyapkan mikrofon hanya bila dengungnya berasal dari yang diputar Plaza, atau setelah keras. Gunakan headphone: dengung melalui perangkat lain terdeteksi terlambat, atau tidak sama sekali.</translation>
    </message>
</context>
<context>
    <name>OutputControls</name>
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
<context>
    <name>ReactionBar</name>
    <message>
        <source>Reactions</source>
        <translation>Reaksi</translation>
    </message>
    <message>
        <source>{name} ({key})</source>
        <translation>{name} ({key})</translation>
    </message>
    <message>
        <source>React: {name}</source>
        <translation>Bereaksi: {name}</translation>
    </message>
    <message>
        <source>Slow down: a few reactions a second at most</source>
        <translation>Pelan-pelan: paling banyak beberapa reaksi per detik</translation>
    </message>
</context>
<context>
    <name>Reactions</name>
    <message>
        <source>Applause</source>
        <translation>Tepuk tangan</translation>
    </message>
    <message>
        <source>Love</source>
        <translation>Suka</translation>
    </message>
    <message>
        <source>Laughter</source>
        <translation>Tawa</translation>
    </message>
    <message>
        <source>Hundred points</source>
        <translation>Seratus poin</translation>
    </message>
    <message>
        <source>Me! (hand up)</source>
        <translation>Saya! (angkat tangan)</translation>
    </message>
    <message>
        <source>Fire</source>
        <translation>Api</translation>
    </message>
    <message>
        <source>Reactions: none in the last minute</source>
        <translation>Reaksi: tidak ada dalam semenit terakhir</translation>
    </message>
    <message>
        <source>Reactions per minute: {rates} ({total} in all)</source>
        <translation>Reaksi per menit: {rates} ({total} seluruhnya)</translation>
    </message>
</context>
<context>
    <name>ReconnectBanner</name>
    <message>
        <source>Reconnecting</source>
        <translation>Menghubungkan ulang</translation>
    </message>
    <message>
        <source>Reconnect status</source>
        <translation>Status sambung ulang</translation>
    </message>
    <message>
        <source>&amp;Details…</source>
        <translation>&amp;Detail…</translation>
    </message>
    <message>
        <source>Connection details</source>
        <translation>Detail koneksi</translation>
    </message>
    <message>
        <source>Show the connection details and the reconnect history</source>
        <translation>Tampilkan detail koneksi dan riwayat sambung ulang</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>Menghubungkan ulang…</translation>
    </message>
    <message>
        <source>Reconnecting… attempt {attempt}, connecting to {server}</source>
        <translation>Menghubungkan ulang… percobaan {attempt}, menghubungi {server}</translation>
    </message>
    <message>
        <source>Reconnecting… attempt {attempt}, next try in {seconds} s</source>
        <translation>Menghubungkan ulang… percobaan {attempt}, coba lagi dalam {seconds} dtk</translation>
    </message>
    <message>
        <source>audio paused</source>
        <translation>audio dijeda</translation>
    </message>
    <message>
        <source>{seconds} s of audio left</source>
        <translation>sisa audio {seconds} dtk</translation>
    </message>
    <message>
        <source>{reconnect} · {audio}</source>
        <translation>{reconnect} · {audio}</translation>
    </message>
    <message>
        <source>Audio paused until the connection is back</source>
        <translation>Audio dijeda sampai koneksi kembali</translation>
    </message>
</context>
<context>
    <name>RoomBrowserDialog</name>
    <message>
        <source>Browse rooms</source>
        <translation>Jelajahi ruang</translation>
    </message>
    <message>
        <source>&amp;Servers:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>Janus servers (ws:// or wss:// addresses), separated by spaces</source>
        <translation>Server Janus (alamat ws:// atau wss://), dipisahkan dengan spasi</translation>
    </message>
    <message>
        <source>&amp;Browse</source>
        <translation>&amp;Jelajahi</translation>
    </message>
    <message>
        <source>Filter by title or host</source>
        <translation>Saring menurut judul atau tuan rumah</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Judul</translation>
    </message>
    <message>
        <source>Hosts</source>
        <translation>Tuan rumah</translation>
    </message>
    <message>
        <source>Listeners</source>
        <translation>Pendengar</translation>
    </message>
    <message>
        <source>Live for</source>
        <translation>Siaran selama</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>&amp;Gabung</translation>
    </message>
    <message>
        <source>“{address}” is not a server address (ws://HOST:PORT/janus or wss://…).</source>
        <translation>“{address}” bukan alamat server (ws://HOST:PORT/janus atau wss://…).</translation>
    </message>
    <message>
        <source>Enter at least one server address.</source>
        <translation>Masukkan setidaknya satu alamat server.</translation>
    </message>
    <message>
        <source>Room {number}</source>
        <translation>Ruang {number}</translation>
    </message>
    <message>
        <source>just started</source>
        <translation>baru dimulai</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} mnt</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} j {minutes} mnt</translation>
    </message>
    <message>
        <source>Cannot reach the lobby of {servers}; trying again.</source>
        <translation>Lobi {servers} tidak dapat dijangkau; mencoba lagi.</translation>
    </message>
    <message>
        <source>Looking for live rooms…</source>
        <translation>Mencari ruang yang sedang siaran…</translation>
    </message>
    <message>
        <source>No live rooms match.</source>
        <translation>Tidak ada ruang siaran yang cocok.</translation>
    </message>
    <message>
        <source>No live rooms right now.</source>
        <translation>Tidak ada ruang yang sedang siaran saat ini.</translation>
    </message>
</context>
<context>
    <name>RoomView</name>
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
        <source>● REC</source>
        <translation>● REKAM</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>Sedang direkam</translation>
    </message>
    <message>
        <source>This room is being recorded: the room&apos;s server is saving what is said on stage.</source>
        <translation>Ruangan ini sedang direkam: server ruangan menyimpan apa yang dikatakan di panggung.</translation>
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
        <source>Live — reconnecting</source>
        <translation>Langsung — menyambung ulang</translation>
    </message>
    <message>
        <source>Ended: {reason}</source>
        <translation>Selesai: {reason}</translation>
    </message>
    <message>
        <source>Error: {reason}</source>
        <translation>Kesalahan: {reason}</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Tidak terhubung</translation>
    </message>
    <message>
        <source>The room moved to “{room}”; you followed it.</source>
        <translation>Ruang ini pindah ke “{room}”; Anda mengikutinya.</translation>
    </message>
    <message>
        <source>Its speakers could not be brought onto the new stage; they need to be invited again there.</source>
        <translation>Para pembicaranya tidak dapat dibawa ke panggung baru; mereka perlu diundang lagi di sana.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Plaza Settings</source>
        <translation>Pengaturan Plaza</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Bahasa:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <source>&amp;Output device:</source>
        <translation>Perangkat &amp;keluaran:</translation>
    </message>
    <message>
        <source>Output device for rooms</source>
        <translation>Perangkat keluaran untuk ruang</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Mikrofon:</translation>
    </message>
    <message>
        <source>Microphone for speaking on stage</source>
        <translation>Mikrofon untuk berbicara di panggung</translation>
    </message>
    <message>
        <source>&amp;Protected start (wait for 0.5 s of audio when joining)</source>
        <translation>Mulai &amp;terlindungi (tunggu 0,5 dtk audio saat bergabung)</translation>
    </message>
    <message>
        <source>Off: a room plays within a moment and builds its cushion while it plays. On: a short outage right after joining is not heard.</source>
        <translation>Mati: ruang langsung diputar dan membangun cadangannya sambil diputar. Nyala: gangguan singkat tepat setelah bergabung tidak terdengar.</translation>
    </message>
    <message>
        <source>&amp;Keep playing in the tray when the window is closed</source>
        <translation>Tetap &amp;putar di baki sistem saat jendela ditutup</translation>
    </message>
    <message>
        <source>This desktop has no system tray: closing the window quits Plaza.</source>
        <translation>Desktop ini tidak memiliki baki sistem: menutup jendela akan menutup Plaza.</translation>
    </message>
    <message>
        <source>Start mi&amp;nimized (in the tray if there is one)</source>
        <translation>Mulai dalam keadaan &amp;diminimalkan (di baki sistem jika ada)</translation>
    </message>
    <message>
        <source>Reduce mo&amp;tion (reactions as a line of counts, without animation)</source>
        <translation>Kurangi &amp;animasi (reaksi sebagai baris jumlah, tanpa animasi)</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Bawaan sistem</translation>
    </message>
    <message>
        <source>{name} (not connected)</source>
        <translation>{name} (tidak tersambung)</translation>
    </message>
</context>
<context>
    <name>StageControls</name>
    <message>
        <source>Mute m&amp;y microphone</source>
        <translation>Senyapkan &amp;mikrofon saya</translation>
    </message>
    <message>
        <source>Leave s&amp;tage</source>
        <translation>Tinggalkan pan&amp;ggung</translation>
    </message>
    <message>
        <source>Leave the stage and listen again</source>
        <translation>Tinggalkan panggung dan kembali mendengarkan</translation>
    </message>
    <message>
        <source>Microphone input level</source>
        <translation>Level masukan mikrofon</translation>
    </message>
    <message>
        <source>Mus&amp;ic mode (on headphones)</source>
        <translation>M&amp;ode musik (dengan headphone)</translation>
    </message>
    <message>
        <source>Going on stage…</source>
        <translation>Naik ke panggung…</translation>
    </message>
    <message>
        <source>A host muted you. You can unmute when a host lifts the mute.</source>
        <translation>Pembawa acara membisukan Anda. Anda dapat membuka bisu setelah pembawa acara mencabutnya.</translation>
    </message>
    <message>
        <source>Your microphone was muted because it was feeding back (a howl) through something else near it: another device playing this room, or your system playing the microphone back. Turn that down or use headphones, then unmute.</source>
        <translation>Mikrofon Anda disenyapkan karena terjadi umpan balik (dengung) melalui sesuatu di dekatnya: perangkat lain yang memutar ruang ini, atau sistem Anda yang memutar ulang mikrofon. Kecilkan itu atau gunakan headphone, lalu nyalakan lagi.</translation>
    </message>
    <message>
        <source>Your microphone was muted because it was feeding back (a howl). Use headphones or turn the loudspeaker down, then unmute.</source>
        <translation>Mikrofon Anda disenyapkan karena terjadi umpan balik (dengung). Gunakan headphone atau kecilkan pengeras suara, lalu nyalakan lagi.</translation>
    </message>
    <message>
        <source>Singing or playing music on headphones? Turn on Music mode.</source>
        <translation>Bernyanyi atau bermain musik dengan headphone? Nyalakan mode musik.</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Nyalakan mikrofon</translation>
    </message>
    <message>
        <source>Unmute your microphone</source>
        <translation>Nyalakan mikrofon Anda</translation>
    </message>
    <message>
        <source>Your microphone is muted: the room does not hear you. Unmute (Ctrl+D)</source>
        <translation>Mikrofon Anda disenyapkan: ruang tidak mendengar Anda. Nyalakan (Ctrl+D)</translation>
    </message>
    <message>
        <source>Muted</source>
        <translation>Disenyapkan</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Senyapkan</translation>
    </message>
    <message>
        <source>Mute your microphone</source>
        <translation>Senyapkan mikrofon Anda</translation>
    </message>
    <message>
        <source>Your microphone is on: the room hears you. Mute (Ctrl+D)</source>
        <translation>Mikrofon Anda menyala: ruang mendengar Anda. Senyapkan (Ctrl+D)</translation>
    </message>
    <message>
        <source>Live — the room hears you</source>
        <translation>Siaran langsung — ruang mendengar Anda</translation>
    </message>
</context>
<context>
    <name>StageTile</name>
    <message>
        <source>Host</source>
        <translation>Tuan rumah</translation>
    </message>
    <message>
        <source>Co-host</source>
        <translation>Wakil tuan rumah</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Pembicara</translation>
    </message>
    <message>
        <source>host</source>
        <translation>tuan rumah</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>wakil tuan rumah</translation>
    </message>
    <message>
        <source>speaker</source>
        <translation>pembicara</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>dibisukan</translation>
    </message>
    <message>
        <source>talking</source>
        <translation>sedang berbicara</translation>
    </message>
    <message>
        <source>{name} — {details}</source>
        <translation>{name} — {details}</translation>
    </message>
    <message>
        <source>muted automatically (feedback)</source>
        <translation>dibisukan otomatis (dengung)</translation>
    </message>
    <message>
        <source>muted by a host</source>
        <translation>dibisukan oleh pembawa acara</translation>
    </message>
    <message>
        <source>Feedback — muted</source>
        <translation>Dengung — bisu</translation>
    </message>
    <message>
        <source>Muted by a host</source>
        <translation>Dibisukan pembawa acara</translation>
    </message>
    <message>
        <source>Muted automatically: acoustic feedback (screeching) was detected on this speaker&apos;s microphone</source>
        <translation>Dibisukan otomatis: umpan balik akustik (dengung melengking) terdeteksi pada mikrofon pembicara ini</translation>
    </message>
    <message>
        <source>A host muted this speaker; only a host can lift it</source>
        <translation>Pembawa acara membisukan pembicara ini; hanya pembawa acara yang dapat mencabutnya</translation>
    </message>
</context>
<context>
    <name>StageView</name>
    <message>
        <source>Waiting for the stage…</source>
        <translation>Menunggu panggung…</translation>
    </message>
    <message>
        <source>Nobody is on stage right now. Stay tuned!</source>
        <translation>Belum ada yang di panggung. Tetap dengarkan!</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Panggung</translation>
    </message>
    <message>
        <source>People on stage</source>
        <translation>Orang di panggung</translation>
    </message>
</context>
<context>
    <name>StartRoomDialog</name>
    <message>
        <source>Start a room</source>
        <translation>Mulai ruang</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>&amp;Judul:</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Mulai</translation>
    </message>
    <message>
        <source>Server &amp;admin key:</source>
        <translation>Kunci &amp;admin server:</translation>
    </message>
    <message>
        <source>Room server address</source>
        <translation>Alamat server ruang</translation>
    </message>
    <message>
        <source>Room title</source>
        <translation>Judul ruang</translation>
    </message>
    <message>
        <source>Server admin key</source>
        <translation>Kunci admin server</translation>
    </message>
    <message>
        <source>only if the server asks for one</source>
        <translation>hanya jika server memintanya</translation>
    </message>
    <message>
        <source>This computer has no keyring to keep the room&apos;s secrets. The room will run with its secrets in memory only: they are never saved, no other computer can take it over, and only this window can host it.</source>
        <translation>Komputer ini tidak memiliki keyring untuk menyimpan rahasia ruang. Ruang akan berjalan dengan rahasianya hanya di memori: tidak pernah disimpan, tidak ada komputer lain yang dapat mengambil alih, dan hanya jendela ini yang dapat memandunya.</translation>
    </message>
    <message>
        <source>Starting the room…</source>
        <translation>Memulai ruang…</translation>
    </message>
    <message>
        <source>The room could not be started: {reason}</source>
        <translation>Ruang tidak dapat dimulai: {reason}</translation>
    </message>
</context>
</TS>
