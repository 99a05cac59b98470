// Hand-made NTP server for tests: node fake-server.mjs PORT LEAP STRATUM
// Replies to mode-3 requests on 127.0.0.1:PORT with the given LI and stratum.
import dgram from 'node:dgram';

const [port, leap, stratum] = process.argv.slice(2).map(Number);
const sock = dgram.createSocket('udp4');

function now(b, at) {
  const t = Date.now() / 1000 + 2208988800;
  b.writeUInt32BE(Math.floor(t) >>> 0, at);
  b.writeUInt32BE(Math.floor((t % 1) * 2 ** 32) >>> 0, at + 4);
}

sock.on('message', (req, rinfo) => {
  if (req.length < 48 || (req[0] & 7) !== 3) return;
  const b = Buffer.alloc(48);
  b[0] = (leap << 6) | (req[0] & 0x38) | 4;
  b[1] = stratum;
  b[2] = req[2];
  b.writeInt8(-20, 3);
  if (stratum < 16) b.write('LOCL', 12, 'latin1');
  now(b, 32);
  req.copy(b, 24, 40, 48);
  if (stratum < 16) b.copy(b, 16, 32, 40);
  now(b, 40);
  sock.send(b, rinfo.port, rinfo.address);
});
sock.bind(port, '127.0.0.1', () => console.log(`ready ${port}`));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => sock.close(() => process.exit(0)));
