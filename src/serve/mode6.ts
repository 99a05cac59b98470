/**
 * Mode-6 control queries (ntpq), answered as ntpd answers them: READSTAT and
 * READVAR for the system (association 0) and for each source, with ntpd's
 * status words, variable names and units (ms, ppm). Everything else gets an
 * error response; what is not a request at all, or comes from an address
 * cmdallow/cmddeny refuse, is dropped and counted. Not a hot path: a query
 * may build objects. Loaded on demand (src/modules.ts); what lasts between
 * queries (association ids, system events) is serve/mode6state.ts.
 *
 * Replies are many times larger than queries (a 12-byte READVAR gets ~350
 * bytes), the classic reflection vector: only localhost may ask by default
 * (config/types.ts), a query takes a token from the same client-log bucket as an
 * NTP request, and an address not in the client log before this query gets
 * no reply larger than its query (a first query from a spoofed address
 * reflects nothing; localhost is exempt, as no one can spoof it from outside).
 */
import * as served from '../clock/served';
import type { LocalClock } from '../clock/local';
import * as control from '../ntp/control';
import { ControlError, ControlMessage, Opcode, RequestCheck } from '../ntp/control';
import { Leap } from '../ntp/header';
import type { Key } from '../ntp/keys';
import * as refid from '../ntp/refid';
import * as ipv4 from '../net/ipv4';
import * as timestamp from '../ntp/timestamp';
import type { Peer } from '../platform';
import { load, Module } from '../modules';
import * as sourcestats from '../sync/sourcestats';
import type { Source } from '../sync/source';
import { SourceField } from '../sync/source';
import { StatsField } from '../sync/sourcestats';
import { LastPacketField, TestBit } from '../sync/lastpacket';
import * as access from './access';
import * as clientLog from './clientlog';
import type { ControlServer } from './mode6state';
import { noteClockState } from './mode6state';
import { Counter } from './responder';

/** Peer event codes. */
const EVENT_MOBILIZE = 1;
const EVENT_UNREACHABLE = 3;
const EVENT_REACHABLE = 4;
const EVENT_SYSTEM_PEER = 10;

/** Clock source codes of the system status word. */
const SOURCE_UNSPECIFIED = 0;
const SOURCE_PPS = 1;
const SOURCE_UHF_RADIO = 4; // ntpd's class for GPS receivers
const SOURCE_LOCAL = 5;
const SOURCE_NTP = 6;

/** Peer status bits (high byte): configured, reachable; the low 3 bits are the selection. */
const PEER_CONFIGURED = 0x80;
const PEER_AUTH_ENABLED = 0x40;
const PEER_AUTHENTIC = 0x20;
const PEER_REACHABLE = 0x10;
/** ntpq's tally characters indexed by selection code: the source's status char gives the code. */
const SELECTION_CHARS = ' x.-+#*o';

/** How ntpd shows a refclock: 127.127.TYPE.UNIT, type 20 being its NMEA driver. */
const REFCLOCK_ADDRESS = '127.127.20.0';
const PPS_REFERENCE_ID = refid.fromAscii('PPS');
/** Samples shown in filtdelay/filtoffset/filtdisp (ntpd's clock filter holds 8). */
const FILTER_SAMPLES = 8;
/** ntpd breaks variable lists into lines of about this many characters. */
const LINE_LENGTH = 72;
const PRODUCT_VERSION = '"ntp-appliance 0.1.0"';

/** The datagram handler for mode-6 packets. */
export function handle(server: ControlServer, msg: string, from: Peer): void {
  const host = server.host;
  const counters = host.responder.counters;
  const socket = host.responder.socket;
  const request = control.decode(msg, 0);
  const check = request === null ? RequestCheck.Drop : control.checkRequest(request, msg.length);
  if (request === null || check === RequestCheck.Drop || !socket || !access.isAllowedAddress(host.cmdAccess, from.address)) {
    counters[Counter.ControlDropped]++;
    return;
  }
  const log = host.responder.clients;
  const known = clientLog.isKnown(log, from.address);
  const slot = clientLog.record(log, from.address, served.now(host.clock));
  if (log.overLimit) {
    log.ntpDrops[slot]++;
    counters[Counter.ControlDropped]++;
    return;
  }
  noteClockState(server);
  const response: ControlMessage = {
    leap: host.clock.leap,
    version: request.version,
    flags: control.RESPONSE_BIT,
    opcode: request.opcode,
    sequence: request.sequence,
    status: 0,
    associationId: request.associationId,
    offset: 0,
    count: 0,
    data: '',
    macOffset: -1,
  };
  let key: Key | null = null;
  let error = check === RequestCheck.BadFormat ? ControlError.BadFormat : -1;
  // Signed: answered only under a key we have and a digest that verifies (the MAC code loaded for it).
  const signing = error < 0 && request.macOffset >= 0 ? load(host.platform, Module.Mode6Auth) : null;
  if (signing !== null) {
    key = signing.verifiedKey(host.auth, msg, request);
    if (key === null) error = ControlError.Permission;
  }
  let data = '';
  if (error < 0) {
    const answer = answerRequest(server, request, response);
    if (typeof answer === 'number') error = answer;
    else data = answer;
  }
  if (error >= 0) {
    response.flags |= control.ERROR_BIT;
    response.status = error << 8;
  }
  const pieces = control.fragment(response, data, control.MAX_FRAGMENT_DATA);
  const datagrams: string[] = [];
  let replyBytes = 0;
  for (let i = 0; i < pieces.length; i++) {
    let bytes = control.encode(pieces[i]);
    if (signing !== null && key !== null) bytes = signing.sign(host.auth, key, bytes);
    datagrams.push(bytes);
    replyBytes += bytes.length;
  }
  if (!known && replyBytes > msg.length && !isLoopback(from.address)) {
    // A first query: its address is not yet known to be the sender's, so no amplification.
    counters[Counter.ControlDropped]++;
    return;
  }
  for (let i = 0; i < datagrams.length; i++) socket.send(datagrams[i], from.port, from.address);
}

/** 127.0.0.0/8: a source address the network cannot forge (the stack drops it from outside). */
function isLoopback(address: string): boolean {
  return address.substring(0, 4) === '127.';
}

/** The response data for a valid request (setting the status word), or an error code. */
function answerRequest(server: ControlServer, request: ControlMessage, response: ControlMessage): string | number {
  const opcode = request.opcode;
  if (opcode !== Opcode.ReadStatus && opcode !== Opcode.ReadVariables) return ControlError.BadOpcode;
  updateAssociations(server);
  const now = served.now(server.host.clock);
  if (request.associationId === 0) {
    response.status = systemStatus(server);
    if (opcode === Opcode.ReadStatus) return associationList(server);
    return variables(systemVariable, SYSTEM_NAMES, { server: server, source: null, now: now }, request.data);
  }
  const index = server.ids.indexOf(request.associationId);
  if (index < 0) return ControlError.BadAssociation;
  const source = server.known[index];
  response.status = peerStatus(server, source);
  // READSTAT of one association: all its variables, as ntpd gives them.
  return variables(peerVariable, PEER_NAMES, { server: server, source: source, now: now }, opcode === Opcode.ReadStatus ? '' : request.data);
}

/** Gives each new source the next id; forgets sources that were deleted (their ids are never reused). */
function updateAssociations(server: ControlServer): void {
  const sources = server.host.sync.sources;
  for (let i = server.known.length - 1; i >= 0; i--) {
    if (sources.indexOf(server.known[i]) < 0) {
      server.known.splice(i, 1);
      server.ids.splice(i, 1);
    }
  }
  for (let i = 0; i < sources.length; i++) {
    if (server.known.indexOf(sources[i]) >= 0) continue;
    server.known.push(sources[i]);
    server.ids.push(server.nextId);
    server.nextId = server.nextId >= 65535 ? 1 : server.nextId + 1;
  }
}

function associationList(server: ControlServer): string {
  let data = '';
  for (let i = 0; i < server.known.length; i++) {
    const id = server.ids[i];
    const status = peerStatus(server, server.known[i]);
    data += String.fromCharCode(id >> 8, id & 255, status >> 8, status & 255);
  }
  return data;
}

function selectedSource(server: ControlServer): Source | null {
  const sync = server.host.sync;
  return sync.selectedIndex >= 0 && sync.selectedIndex < sync.sources.length ? sync.sources[sync.selectedIndex] : null;
}

/** Leap (2 bits), clock source (6), event count (4), last event (4). */
function systemStatus(server: ControlServer): number {
  const clock = server.host.clock;
  const selected = selectedSource(server);
  let source = SOURCE_UNSPECIFIED;
  if (clock.leap !== Leap.Unsynchronised) {
    if (clock.referenceId === refid.LOCAL_REFERENCE_ID) source = SOURCE_LOCAL;
    else if (selected !== null && selected.refclock) source = selected.state[SourceField.ReferenceId] === PPS_REFERENCE_ID ? SOURCE_PPS : SOURCE_UHF_RADIO;
    else if (selected !== null) source = SOURCE_NTP;
  }
  return (clock.leap << 14) | (source << 8) | (server.systemEvents << 4) | server.lastSystemEvent;
}

/**
 * Flags (configured, key, authentic, reachable) and selection in the high
 * byte; the low byte is the latest event the source's state shows (no per
 * source event log is kept, so the count is 0).
 */
function peerStatus(server: ControlServer, source: Source): number {
  const state = source.state;
  let flags = state[SourceField.PeerMode] === 2 || source.broadcast ? 0 : PEER_CONFIGURED;
  if (source.options.keyId > 0) flags |= PEER_AUTH_ENABLED;
  if (source.lastPacket && source.lastPacket[LastPacketField.Authenticated]) flags |= PEER_AUTHENTIC;
  if (state[SourceField.Reach] !== 0) flags |= PEER_REACHABLE;
  const selection = SELECTION_CHARS.indexOf(source.status);
  if (selection > 0) flags |= selection;
  const event = source.status === '*' ? EVENT_SYSTEM_PEER : state[SourceField.Reach] !== 0 ? EVENT_REACHABLE :
    state[SourceField.Sent] > 0 ? EVENT_UNREACHABLE : EVENT_MOBILIZE;
  return (flags << 8) | event;
}

// ---------------------------------------------------------------- variables

interface Query {
  server: ControlServer;
  source: Source | null;
  now: number;
}

/** A variable's value as ntpd prints it after "name=". Tables of them are data: quoted keys, index signature. */
type Lookup = (name: string, query: Query) => string | null;

/**
 * "name=value" items, ", " apart, ",\r\n" where a line would pass LINE_LENGTH,
 * and a final "\r\n", as ntpd writes them. An empty request means every
 * variable; otherwise only the names asked for (values after '=' ignored),
 * and an unknown name is an error.
 */
function variables(lookup: Lookup, allNames: string, query: Query, requested: string): string | number {
  const names = (requested.replace(/[\s\0]/g, '') === '' ? allNames : requested).split(',');
  let text = '';
  let lineLength = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i].split('=')[0].replace(/[\s\0]/g, '');
    if (name === '' && i === names.length - 1) break; // a trailing comma
    const value = lookup(name, query);
    if (value === null) return ControlError.UnknownVariable;
    const item = name + '=' + value;
    if (text !== '') {
      const breakLine = lineLength + item.length + 2 > LINE_LENGTH;
      text += breakLine ? ',\r\n' : ', ';
      lineLength = breakLine ? 0 : lineLength + 2;
    }
    text += item;
    lineLength += item.length;
  }
  return text + '\r\n';
}

function milliseconds(seconds: number, digits: number): string {
  return (seconds * 1e3).toFixed(digits);
}

/** ntpd's l_fp form: 0xSSSSSSSS.FFFFFFFF (zero when the time is unknown). */
function hexTime(unixSeconds: number): string {
  const time = unixSeconds > 0 ? timestamp.fromUnix(unixSeconds) : { seconds: 0, fraction: 0 };
  return '0x' + hex8(time.seconds) + '.' + hex8(time.fraction);
}

function hex8(value: number): string {
  const text = (value >>> 0).toString(16);
  return '00000000'.substring(text.length) + text;
}

/** A reference id as ntpd shows it: text at stratum 0-1 and 16 (kiss codes, refclock names), else an address. */
function referenceText(referenceId: number, stratum: number): string {
  const text = refid.toAscii(referenceId);
  return (stratum <= 1 || stratum >= 16) && text !== '' ? text : ipv4.toDottedQuad(referenceId);
}

function associationId(server: ControlServer, source: Source | null): number {
  const index = source === null ? -1 : server.known.indexOf(source);
  return index < 0 ? 0 : server.ids[index];
}

function clockOf(query: Query): LocalClock {
  return query.server.host.clock;
}

function synchronised(clock: LocalClock): boolean {
  return clock.leap !== Leap.Unsynchronised;
}

/** The system variables, in the order ntpd lists them (a switch, not a table of closures: no function object per variable). */
const SYSTEM_NAMES = 'version,processor,system,leap,stratum,precision,rootdelay,rootdisp,refid,reftime,clock,peer,tc,mintc,offset,frequency,sys_jitter,clk_jitter,clk_wander';

/** The value of the variable `name` (null: no such variable). */
function systemVariable(name: string, q: Query): string | null {
  switch (name) {
    case 'version':
      return PRODUCT_VERSION;
    case 'processor':
      return '"esp32"';
    case 'system':
      return '"Espruino"';
    case 'leap':
      return '' + clockOf(q).leap;
    case 'stratum':
      return '' + (synchronised(clockOf(q)) ? clockOf(q).stratum : served.STRATUM_UNSYNCHRONISED);
    case 'precision':
      return '' + clockOf(q).precisionLog2;
    case 'rootdelay':
      return milliseconds(synchronised(clockOf(q)) ? clockOf(q).rootDelay : 0, 3);
    case 'rootdisp':
      return milliseconds(served.rootDispersionAt(clockOf(q), q.now), 3);
    case 'refid': {
      const clock = clockOf(q);
      return referenceText(clock.referenceId, synchronised(clock) ? clock.stratum : served.STRATUM_UNSYNCHRONISED);
    }
    case 'reftime':
      return hexTime(clockOf(q).referenceTime);
    case 'clock':
      return hexTime(q.now);
    case 'peer':
      return '' + associationId(q.server, selectedSource(q.server));
    case 'tc': {
      const selected = selectedSource(q.server);
      return '' + (selected !== null ? selected.state[SourceField.PollLog2] : minimumPollLog2(q.server));
    }
    case 'mintc':
      return '' + minimumPollLog2(q.server);
    // Offsets in ntpd's sense: what the clock is being corrected by (positive: it was behind).
    case 'offset':
      return milliseconds(q.server.host.sync.discipline.lastOffset, 6);
    case 'frequency':
      return (clockOf(q).baseFreq * 1e6).toFixed(3);
    case 'sys_jitter': {
      const selected = selectedSource(q.server);
      return milliseconds(selected !== null ? sourcestats.value(selected.stats, StatsField.StdDev) : 0, 6);
    }
    case 'clk_jitter':
      return milliseconds(q.server.host.sync.discipline.rmsOffset, 6);
    case 'clk_wander':
      return (q.server.host.sync.discipline.freqSkew * 1e6).toFixed(3);
  }
  return null;
}

/** The smallest minpoll of the sources (ntpd's default, 6, without any). */
function minimumPollLog2(server: ControlServer): number {
  const sources = server.host.sync.sources;
  let smallest = 6;
  for (let i = 0; i < sources.length; i++) {
    if (i === 0 || sources[i].options.minPollLog2 < smallest) smallest = sources[i].options.minPollLog2;
  }
  return smallest;
}

/** ntpd's flash bits for the RFC 5905 tests the last packet failed (1, 2, 3, 5, 6, 7), from chrony's test bits. */
const FLASH_TESTS = [TestBit.Test1, TestBit.Test2, TestBit.Test3, TestBit.Test5, TestBit.Test6, TestBit.Test7];
const FLASH_BITS = [0x1, 0x2, 0x4, 0x10, 0x20, 0x40];

function flash(source: Source): number {
  const last = source.lastPacket;
  if (!last) return 0;
  let bits = 0;
  for (let i = 0; i < FLASH_TESTS.length; i++) {
    if ((last[LastPacketField.Tests] & FLASH_TESTS[i]) === 0) bits |= FLASH_BITS[i];
  }
  return bits;
}

/** The last FILTER_SAMPLES samples, newest first, as ntpd's " %.2f" ms list. */
function filterList(source: Source, kind: 'delay' | 'offset' | 'dispersion'): string {
  const stats = source.stats;
  const count = sourcestats.count(stats);
  let text = '';
  for (let i = count - 1; stats && i >= 0 && i >= count - FILTER_SAMPLES; i--) {
    const sample = sourcestats.sample(stats, i);
    text += ' ' + milliseconds(kind === 'delay' ? sample.delay : kind === 'offset' ? sample.offset : sample.dispersion, 2);
  }
  return text;
}

function sourceOf(query: Query): Source {
  return query.source as Source;
}

/** polls since the source was last heard from (the zero bits at the bottom of reach). */
function unreachablePolls(reach: number): number {
  let polls = 0;
  while (polls < 8 && (reach & (1 << polls)) === 0) polls++;
  return polls;
}

function hostMode(source: Source): number {
  return source.state[SourceField.PeerMode] !== 0 ? source.state[SourceField.PeerMode] : source.broadcast ? 6 : 3;
}

/** A peer's variables, in the order ntpd lists them. */
const PEER_NAMES = 'srcadr,srcport,srchost,dstadr,dstport,leap,stratum,precision,rootdelay,rootdisp,refid,reftime,rec,reach,unreach,hmode,pmode,hpoll,ppoll,headway,flash,keyid,offset,delay,dispersion,jitter,xleave,filtdelay,filtoffset,filtdisp';

/** The value of the variable `name` (null: no such variable). */
function peerVariable(name: string, q: Query): string | null {
  switch (name) {
    case 'srcadr': {
      const source = sourceOf(q);
      return source.refclock ? REFCLOCK_ADDRESS : source.address !== '' ? source.address : '0.0.0.0';
    }
    case 'srcport':
      return '' + (sourceOf(q).refclock ? 123 : sourceOf(q).options.port);
    // ntpq takes a name with parentheses for a refclock's, as ntpd's "NMEA(0)".
    case 'srchost':
      return '"' + (sourceOf(q).refclock ? 'NMEA(0)' : sourceOf(q).pool ? sourceOf(q).address : sourceOf(q).options.host) + '"';
    case 'dstadr':
      return sourceOf(q).refclock ? '127.0.0.1' : '0.0.0.0';
    case 'dstport': {
      const source = sourceOf(q);
      return '' + (source.refclock || source.state[SourceField.PeerMode] !== 0 ? 123 : source.localPort || 0);
    }
    case 'leap':
      return '' + sourceOf(q).state[SourceField.Leap];
    case 'stratum':
      return '' + sourceOf(q).state[SourceField.Stratum];
    case 'precision': {
      const source = sourceOf(q);
      return '' + (source.refclock ? clockOf(q).precisionLog2 : source.state[SourceField.PrecisionLog2]);
    }
    case 'rootdelay':
      return milliseconds(sourceOf(q).state[SourceField.RootDelay], 3);
    case 'rootdisp':
      return milliseconds(sourceOf(q).state[SourceField.RootDispersion], 3);
    case 'refid': {
      const source = sourceOf(q);
      if (source.refclock) return refid.toAscii(source.state[SourceField.ReferenceId]);
      const last = source.lastPacket;
      return !last ? 'INIT' : referenceText(last[LastPacketField.ReferenceId], last[LastPacketField.Stratum]);
    }
    case 'reftime': {
      const source = sourceOf(q);
      return hexTime(source.refclock ? source.lastSampleTime : source.lastPacket ? source.lastPacket[LastPacketField.ReferenceTime] : 0);
    }
    case 'rec':
      return hexTime(sourceOf(q).lastSampleTime);
    case 'reach':
      return '0x' + sourceOf(q).state[SourceField.Reach].toString(16);
    case 'unreach':
      return '' + unreachablePolls(sourceOf(q).state[SourceField.Reach]);
    case 'hmode':
      return '' + hostMode(sourceOf(q));
    case 'pmode': {
      const source = sourceOf(q);
      return '' + (source.refclock ? 4 : source.lastPacket ? source.lastPacket[LastPacketField.Mode] : 0);
    }
    case 'hpoll':
      return '' + sourceOf(q).state[SourceField.PollLog2];
    case 'ppoll': {
      const source = sourceOf(q);
      return '' + (source.lastPacket ? source.lastPacket[LastPacketField.PollLog2] : source.state[SourceField.PollLog2]);
    }
    case 'headway':
      return '0';
    case 'flash':
      return '0x' + flash(sourceOf(q)).toString(16);
    case 'keyid':
      return '' + sourceOf(q).options.keyId;
    case 'offset': {
      const stats = sourceOf(q).stats;
      return milliseconds(stats && stats[StatsField.Count] > 0 ? sourcestats.sample(stats, stats[StatsField.Count] - 1).offset : 0, 6);
    }
    case 'delay':
      return milliseconds(sourceOf(q).state[SourceField.Delay], 6);
    case 'dispersion': {
      const source = sourceOf(q);
      const age = source.lastSampleTime > 0 ? q.now - source.lastSampleTime : 0;
      return milliseconds(source.state[SourceField.Dispersion] + served.DISPERSION_RATE * (age > 0 ? age : 0), 6);
    }
    case 'jitter':
      return milliseconds(sourcestats.value(sourceOf(q).stats, StatsField.StdDev), 6);
    case 'xleave':
      return '0.000';
    case 'filtdelay':
      return filterList(sourceOf(q), 'delay');
    case 'filtoffset':
      return filterList(sourceOf(q), 'offset');
    case 'filtdisp':
      return filterList(sourceOf(q), 'dispersion');
  }
  return null;
}
