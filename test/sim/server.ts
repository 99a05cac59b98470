/**
 * Simulated upstream NTP servers: stratum-1 references with their own clocks
 * (a truechimer keeps true time; a falseticker is off by a constant), answering
 * NTPv1-4 mode 3 requests with mode 4 replies as chronyd would: LI 0, the
 * request's version and poll, refid GPS, origin = the request's transmit field,
 * receive/transmit read from the server's clock at arrival and departure.
 */

/** Seconds from 1900 (NTP) to 1970 (Unix). */
const NTP_UNIX = 2208988800;
const TWO_POW_32 = 4294967296;

export interface ServerSpec {
  address: string;
  /** Server clock − true time, seconds (non-zero for a falseticker). */
  offset?: number;
  /** Fractional frequency error of the server's clock. */
  freq?: number;
  stratum?: number;
  /** Four ASCII characters. */
  refid?: string;
  rootDelay?: number;
  rootDispersion?: number;
  /** Time between arrival and departure, seconds. */
  processing?: number;
  /** When false the server never answers (an unreachable address). */
  answers?: boolean;
}

export class NtpServer {
  readonly address: string;
  readonly offset: number;
  readonly freq: number;
  readonly processing: number;
  readonly answers: boolean;
  private readonly stratum: number;
  private readonly refid: string;
  private readonly rootDelay: number;
  private readonly rootDispersion: number;
  requests = 0;
  replies = 0;

  constructor(spec: ServerSpec, private readonly epoch: number) {
    if (epoch !== Math.floor(epoch)) throw new Error('the epoch must be a whole number of seconds');
    this.address = spec.address;
    this.offset = spec.offset ?? 0;
    this.freq = spec.freq ?? 0;
    this.stratum = spec.stratum ?? 1;
    this.refid = (spec.refid ?? 'GPS') + '\0\0\0\0';
    this.rootDelay = spec.rootDelay ?? 0;
    this.rootDispersion = spec.rootDispersion ?? 1e-5;
    this.processing = spec.processing ?? 0;
    this.answers = spec.answers ?? true;
  }

  /** Server clock − epoch at a true time (kept small so it stays exact). */
  clockAt(trueTime: number): number {
    return trueTime + this.offset + this.freq * trueTime;
  }

  /** The mode 4 reply to `request`, or null when it is not an answerable client request. */
  reply(request: string, arrivalTrue: number, departureTrue: number): string | null {
    this.requests++;
    if (!this.answers || request.length < 48) return null;
    const first = request.charCodeAt(0);
    const version = (first >> 3) & 7;
    if ((first & 7) !== 3 || version < 1 || version > 4) return null;
    this.replies++;
    const receive = this.clockAt(arrivalTrue);
    const transmit = this.clockAt(departureTrue);
    return String.fromCharCode((0 << 6) | (version << 3) | 4, this.stratum, request.charCodeAt(2), 0xec) +
      short(this.rootDelay) + short(this.rootDispersion) + this.refid.substring(0, 4) +
      timestamp(this.epoch, Math.floor(receive) - 1) +
      request.substring(40, 48) +
      timestamp(this.epoch, receive) +
      timestamp(this.epoch, transmit);
  }
}

/** The 8 wire bytes of Unix time epoch + x, exact to 2^-32 s for a whole epoch and a small x. */
export function timestamp(epoch: number, x: number): string {
  const whole = Math.floor(x);
  const seconds = (epoch + whole + NTP_UNIX) % TWO_POW_32;
  const fraction = Math.floor((x - whole) * TWO_POW_32);
  return uint32(seconds) + uint32(fraction);
}

/** Decodes the 8 bytes at `offset` back to (seconds − epoch) as a small double. */
export function decodeTimestamp(bytes: string, offset: number, epoch: number): number {
  const seconds = readUint32(bytes, offset);
  const fraction = readUint32(bytes, offset + 4);
  let relative = seconds - ((epoch + NTP_UNIX) % TWO_POW_32);
  if (relative > 2147483648) relative -= TWO_POW_32;
  else if (relative < -2147483648) relative += TWO_POW_32;
  return relative + fraction / TWO_POW_32;
}

function short(seconds: number): string {
  return uint32(Math.min(4294967295, Math.ceil(seconds * 65536)));
}

function uint32(value: number): string {
  return String.fromCharCode((value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

function readUint32(bytes: string, offset: number): number {
  return ((bytes.charCodeAt(offset) << 24) | (bytes.charCodeAt(offset + 1) << 16) |
    (bytes.charCodeAt(offset + 2) << 8) | bytes.charCodeAt(offset + 3)) >>> 0;
}
