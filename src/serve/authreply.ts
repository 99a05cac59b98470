/**
 * The server's answer to a request that carries a MAC (RFC 5905 / RFC 8573 keys, chrony's key
 * file): loaded on demand (Storage ntpd-auth) for each such request, so the MAC code and the
 * digests take no memory between them. The responder records and allows the request first.
 */
import * as served from '../clock/served';
import * as keys from '../ntp/keys';
import * as mac from '../ntp/mac';
import type { MacAlgorithm } from '../ntp/mac';
import type * as packet from '../ntp/packet';
import * as timestamp from '../ntp/timestamp';
import type { Peer, UdpSocket } from '../platform';
import type { Responder } from './responder';
import { Counter } from './responder';

/** The digest a MAC of this many bytes is made with, for keys we do not have. */
function algorithmForLength(digestLength: number): MacAlgorithm {
  return digestLength <= 16 ? 'MD5' : digestLength === 20 ? 'SHA1' : 'SHA256';
}

/**
 * A request carrying a MAC: answered with a MAC under the same key when it
 * verifies, else with a crypto-NAK (a MAC of only a zero key id). An unknown
 * key id and a wrong digest get the same answer after the same digest work,
 * so neither the reply nor its timing tells whether a key id exists.
 */
export function answer(responder: Responder, socket: UdpSocket | null, msg: string, trailer: packet.Trailer, first: string, from: Peer,
  receive: number): void {
  const auth = responder.auth;
  const keyId = trailer.macKeyId;
  const key = auth ? keys.findKey(auth.keys, keyId) : null;
  let valid = false;
  if (auth && key) valid = mac.verifyMac(msg, trailer.macOffset, keyId, key.type, key.secret, auth.sha);
  else if (auth) mac.computeMac(algorithmForLength(trailer.macDigestLength), '', msg.substring(0, trailer.macOffset), auth.sha);
  const clock = responder.clock;
  const raw = clock.readRaw();
  const reply = first + responder.stratumByte + msg.charAt(2) + responder.headerTail + msg.substr(40, 8) +
    timestamp.encodeUnix(receive) + timestamp.encodeUnix(served.cook(clock, raw));
  if (!socket) return;
  if (valid && auth && key) {
    socket.send(reply + mac.macTrailer(keyId, key.type, key.secret, reply, auth.sha), from.port, from.address);
    responder.counters[Counter.Authenticated]++;
  } else {
    socket.send(reply + '\0\0\0\0', from.port, from.address);
    responder.counters[Counter.CryptoNak]++;
  }
  responder.counters[Counter.Replied]++;
}
