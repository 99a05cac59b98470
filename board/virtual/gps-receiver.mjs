// A simulated GPS receiver: a PPS pin and NMEA 0183 sentences on a UART, as a
// u-blox-like module on a board's GPS header gives them. Pure and seeded: it
// knows nothing of wall time, it only lists what happens on its two wires at
// given true times, so the virtual board (host clock) and the simulator
// (simulated time) drive the same model.
//
// Timeline. Times are true seconds since `epoch` (a whole Unix second; with
// the default epoch 0 they are Unix times). Second s (an integer) is the UTC
// second epoch + s. Its pulse starts at s + jitter; the sentences that state
// second s start `nmeaDelay` (± jitter) after that pulse, and their bytes
// leave at baud/10 bytes a second (8N1) behind whatever the line was still
// sending. Each second draws from its own generator, seeded by `seed` and the
// second's Unix time, so a fault scripted in one second changes nothing in
// another.
import { createRandom } from './random.mjs';

/** 1024 GPS weeks: the week-number rollover (a receiver's date that far back). */
export const GPS_WEEK_ROLLOVER_SECONDS = 619315200;

/**
 * Where the receiver is wired on the appliance's ESP32 board
 * (board/espruino/ESP32.json, ntpAppliance.gps): the board's UART2 receives
 * on D16 what the module transmits, and the pulse arrives on D4.
 */
export const ESP32_GPS_WIRING = Object.freeze({ uart: 'Serial2', rx: 'D16', tx: 'D17', baud: 9600, pps: 'D4' });

export const SENTENCE_TYPES = Object.freeze(['RMC', 'GGA', 'ZDA', 'VTG', 'GSA', 'GSV', 'GLL']);
export const OUTAGE_KINDS = Object.freeze(['all', 'pps', 'nmea', 'fix']);

/** A pulse's jitter is clamped to this, so every event of second s comes at or after s − it. */
const MAX_PULSE_JITTER = 0.4;
const MIN_NMEA_DELAY = 0.005;
const MAX_NMEA_DELAY = 0.95;
/** skipTo regenerates this many seconds before the time it skips to: their late bytes can still be on the line. */
const SECONDS_AN_EVENT_CAN_TRAIL = 3;
/** How far nextTime() looks for an event before it answers with a time to ask again. */
const LOOKAHEAD_SECONDS = 10;

const DEFAULTS = {
  seed: 1,
  epoch: 0,
  startTime: 0,
  baud: ESP32_GPS_WIRING.baud,
  talker: 'GN',
  sentences: ['RMC', 'GGA'],
  nmeaDelay: 0.35,
  nmeaJitter: 0.05,
  ppsJitter: 1e-6,
  pulseWidth: 0.1,
  ppsInverted: false,
  maxChunkBytes: 32,
  dateErrorSeconds: 0,
  // The classic NMEA example's position (Munich), 545.4 m above the geoid.
  latitude: 48.1173,
  longitude: 11.5166667,
  altitude: 545.4,
  satellites: 9,
};

/**
 * @param {import('./gps-receiver.d.mts').GpsReceiverOptions} [options]
 * @returns {import('./gps-receiver.d.mts').GpsReceiver}
 */
export function createGpsReceiver(options = {}) {
  const o = { ...DEFAULTS };
  for (const key of Object.keys(options)) if (options[key] !== undefined) o[key] = options[key];
  const outages = checkIntervals(options.outages ?? [], 'outages');
  const stale = checkIntervals(options.stale ?? [], 'stale');
  for (const outage of outages) {
    if (!OUTAGE_KINDS.includes(outage.what)) throw new Error(`outages: what must be one of ${OUTAGE_KINDS.join(', ')}, not ${outage.what}`);
  }
  for (const type of o.sentences) if (!SENTENCE_TYPES.includes(type)) throw new Error(`sentences: unknown type ${type}`);
  if (!/^[A-Z]{2}$/.test(o.talker)) throw new Error('talker must be two capital letters');
  if (!Number.isInteger(o.epoch)) throw new Error('epoch must be a whole number of seconds');
  if (!Number.isInteger(o.dateErrorSeconds / 86400)) throw new Error('dateErrorSeconds must be whole days (the time of day stays right)');
  if (!(o.baud > 0)) throw new Error('baud must be positive');
  if (!(o.maxChunkBytes >= 1)) throw new Error('maxChunkBytes must be at least 1');
  if (!(o.pulseWidth > 0 && o.pulseWidth < 1 - 2 * MAX_PULSE_JITTER)) throw new Error('pulseWidth must be in (0, 0.2)');
  for (const name of ['nmeaDelay', 'nmeaJitter', 'ppsJitter', 'startTime']) {
    if (!Number.isFinite(o[name])) throw new Error(name + ' must be a finite number');
  }

  const bytePeriod = 10 / o.baud; // start bit, 8 data bits, stop bit
  let nextSecond = Math.ceil(o.startTime);
  let lineFreeAt = -Infinity;
  /** Generated but not yet handed out, in time order (ties: generation order). */
  let pending = [];

  function faultsAt(second) {
    let all = false, pps = false, nmea = false, fix = false;
    for (const outage of outages) {
      if (second < outage.from || second >= outage.to) continue;
      if (outage.what === 'all') all = true;
      else if (outage.what === 'pps') pps = true;
      else if (outage.what === 'nmea') nmea = true;
      else fix = true;
    }
    return {
      pulse: !(all || pps || fix),
      sentences: !(all || nmea),
      fix: !fix,
      stale: stale.some((interval) => second >= interval.from && second < interval.to),
    };
  }

  function generate(second) {
    const unixSecond = o.epoch + second;
    const random = createRandom(secondSeed(o.seed, unixSecond));
    // Draw everything this second needs whatever its faults, in a fixed order.
    const jitter = clamp(o.ppsJitter * random.gaussian(), -MAX_PULSE_JITTER, MAX_PULSE_JITTER);
    const delay = clamp(o.nmeaDelay + o.nmeaJitter * random.gaussian(), MIN_NMEA_DELAY, MAX_NMEA_DELAY);
    const faults = faultsAt(second);
    const events = [];
    const pulseTime = second + jitter;
    if (faults.pulse) {
      const active = o.ppsInverted ? 0 : 1;
      events.push({ time: pulseTime, kind: 'edge', level: active, second });
      events.push({ time: pulseTime + o.pulseWidth, kind: 'edge', level: 1 - active, second });
    }
    if (faults.sentences) {
      const stated = faults.stale ? unixSecond - 1 : unixSecond;
      const look = {
        satellites: Math.max(4, o.satellites + Math.floor(random.uniform() * 3) - 1),
        hdop: 0.7 + random.uniform() * 0.4,
        knots: random.uniform() * 0.05,
      };
      let text = '';
      for (const type of o.sentences) text += sentence(o, type, stated, faults.fix, look);
      const start = Math.max(pulseTime + delay, lineFreeAt);
      // A line still busy a whole second after this pulse: the receiver's
      // transmit buffer is full and this second's sentences are dropped.
      if (start > pulseTime + 1) return events;
      let sent = 0;
      while (sent < text.length) {
        const size = Math.min(text.length - sent, 1 + Math.floor(random.uniform() * o.maxChunkBytes));
        const chunk = text.substring(sent, sent + size);
        sent += size;
        // A chunk is there once its last byte's stop bit is.
        events.push({ time: start + sent * bytePeriod, kind: 'serial', chunk, second });
      }
      lineFreeAt = start + text.length * bytePeriod;
    }
    return events;
  }

  /** Generates every second that can hold an event at or before `time`. */
  function generateThrough(time) {
    let added = false;
    while (nextSecond - MAX_PULSE_JITTER <= time) {
      const events = generate(nextSecond++);
      if (events.length > 0) {
        pending = pending.concat(events);
        added = true;
      }
    }
    if (added) pending.sort((a, b) => a.time - b.time); // stable: ties keep generation order
  }

  return {
    options: Object.freeze({ ...o, outages, stale }),
    eventsUntil(time) {
      generateThrough(time);
      let count = 0;
      while (count < pending.length && pending[count].time <= time) count++;
      return pending.splice(0, count);
    },
    nextTime() {
      const horizon = nextSecond + LOOKAHEAD_SECONDS;
      while (nextSecond < horizon && (pending.length === 0 || nextSecond - MAX_PULSE_JITTER <= pending[0].time)) {
        generateThrough(nextSecond - MAX_PULSE_JITTER);
      }
      const known = nextSecond - MAX_PULSE_JITTER; // nothing not yet generated comes before this
      return pending.length > 0 && pending[0].time < known ? pending[0].time : known;
    },
    skipTo(time) {
      pending = pending.filter((event) => event.time >= time);
      const first = Math.ceil(time + MAX_PULSE_JITTER);
      if (nextSecond < first) {
        // Seconds that could still have an event at or after `time`, as they would have been.
        for (let second = Math.max(nextSecond, first - SECONDS_AN_EVENT_CAN_TRAIL); second < first; second++) {
          for (const event of generate(second)) if (event.time >= time) pending.push(event);
        }
        pending.sort((a, b) => a.time - b.time);
        nextSecond = first;
      }
    },
  };
}

function clamp(value, low, high) {
  return value < low ? low : value > high ? high : value;
}

function checkIntervals(list, name) {
  if (!Array.isArray(list)) throw new Error(name + ' must be a list of {from, to}');
  return list.map((interval) => {
    if (!(typeof interval.from === 'number' && typeof interval.to === 'number' && interval.from <= interval.to)) {
      throw new Error(`${name}: each interval needs numbers from ≤ to`);
    }
    return Object.freeze({ ...interval });
  });
}

/** A 32-bit seed for one second's generator, from the receiver's seed and that second's Unix time. */
function secondSeed(seed, unixSecond) {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h ^= unixSecond >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= Math.floor(unixSecond / 4294967296);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function pad(value, width) {
  return String(value).padStart(width, '0');
}

/** `*HH` and CR LF after the text between `$` and `*`. */
export function nmeaLine(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return '$' + body + '*' + sum.toString(16).toUpperCase().padStart(2, '0') + '\r\n';
}

/** Degrees as NMEA's (d)ddmm.mmmmm and hemisphere. */
function angle(degrees, degreeDigits, positive, negative) {
  const magnitude = Math.abs(degrees);
  let whole = Math.floor(magnitude);
  let minutes = Number(((magnitude - whole) * 60).toFixed(5));
  if (minutes >= 60) {
    whole++;
    minutes -= 60;
  }
  return pad(whole, degreeDigits) + minutes.toFixed(5).padStart(8, '0') + ',' + (degrees < 0 ? negative : positive);
}

/**
 * One sentence stating Unix second `stated`. Without a fix the receiver still
 * states its own clock's time (as u-blox modules do once they have had time),
 * with status V / quality 0 / no position.
 */
function sentence(o, type, stated, hasFix, look) {
  const time = new Date(stated * 1000);
  const date = new Date((stated + o.dateErrorSeconds) * 1000);
  const hhmmss = pad(time.getUTCHours(), 2) + pad(time.getUTCMinutes(), 2) + pad(time.getUTCSeconds(), 2) + '.00';
  const day = pad(date.getUTCDate(), 2);
  const month = pad(date.getUTCMonth() + 1, 2);
  const year = date.getUTCFullYear();
  const latitude = angle(o.latitude, 2, 'N', 'S');
  const longitude = angle(o.longitude, 3, 'E', 'W');
  const t = o.talker;
  const satellites = hasFix ? look.satellites : 0;
  switch (type) {
    case 'RMC':
      return hasFix
        ? nmeaLine(`${t}RMC,${hhmmss},A,${latitude},${longitude},${look.knots.toFixed(3)},,${day}${month}${pad(year % 100, 2)},,,A,V`)
        : nmeaLine(`${t}RMC,${hhmmss},V,,,,,,,${day}${month}${pad(year % 100, 2)},,,N,V`);
    case 'GGA':
      return hasFix
        ? nmeaLine(`${t}GGA,${hhmmss},${latitude},${longitude},1,${pad(satellites, 2)},${look.hdop.toFixed(2)},${o.altitude.toFixed(1)},M,46.9,M,,`)
        : nmeaLine(`${t}GGA,${hhmmss},,,,,0,00,99.99,,,,,,`);
    case 'ZDA':
      return nmeaLine(`${t}ZDA,${hhmmss},${day},${month},${year},00,00`);
    case 'VTG':
      return hasFix ? nmeaLine(`${t}VTG,,T,,M,${look.knots.toFixed(3)},N,${(look.knots * 1.852).toFixed(3)},K,A`) : nmeaLine(`${t}VTG,,,,,,,,,N`);
    case 'GLL':
      return hasFix ? nmeaLine(`${t}GLL,${latitude},${longitude},${hhmmss},A,A`) : nmeaLine(`${t}GLL,,,,,${hhmmss},V,N`);
    case 'GSA': {
      let used = '';
      for (let i = 0; i < 12; i++) used += ',' + (i < satellites ? pad(2 + 3 * i, 2) : '');
      return hasFix
        ? nmeaLine(`${t}GSA,A,3${used},${(look.hdop * 1.6).toFixed(2)},${look.hdop.toFixed(2)},${(look.hdop * 1.3).toFixed(2)},1`)
        : nmeaLine(`${t}GSA,A,1${used},99.99,99.99,99.99,1`);
    }
    default: { // GSV: the satellites in view, four to a sentence
      const inView = satellites + 3;
      const count = Math.ceil(inView / 4);
      let text = '';
      for (let part = 0; part < count; part++) {
        let body = `GPGSV,${count},${part + 1},${pad(inView, 2)}`;
        for (let i = part * 4; i < Math.min(inView, part * 4 + 4); i++) {
          body += ',' + pad(2 + 3 * i, 2) + ',' + pad((17 * i) % 80 + 5, 2) + ',' + pad((47 * i) % 360, 3) + ',' + (i < satellites ? pad(30 + (i * 7) % 20, 2) : '');
        }
        text += nmeaLine(body + ',1');
      }
      return text;
    }
  }
}

/**
 * What a UART set to `uartBaud` reads from bytes sent at `lineBaud` (8N1): it
 * waits for a falling edge (a start bit), samples eight data bits and the stop
 * bit at its own rate from there, and keeps the byte even when the stop bit
 * was wrong (a framing error). The line is idle (high) before and after the
 * chunk. At equal rates the bytes come through unchanged; otherwise garbage,
 * as on a real serial line set to the wrong speed.
 */
export function uartRead(chunk, lineBaud, uartBaud) {
  if (lineBaud === uartBaud) return chunk;
  const bitCount = chunk.length * 10;
  const lineBit = (index) => {
    if (index < 0 || index >= bitCount) return 1;
    const position = index % 10;
    if (position === 0) return 0;
    if (position === 9) return 1;
    return (chunk.charCodeAt((index - position) / 10) >> (position - 1)) & 1;
  };
  const levelAt = (time) => lineBit(Math.floor(time * lineBaud));
  const uartBit = 1 / uartBaud;
  let out = '';
  let ready = 0;
  for (;;) {
    let index = Math.max(0, Math.ceil(ready * lineBaud - 1e-9));
    while (index < bitCount && !(lineBit(index) === 0 && lineBit(index - 1) === 1)) index++;
    if (index >= bitCount) return out;
    const start = index / lineBaud;
    if (levelAt(start + uartBit / 2) !== 0) { // a glitch, not a start bit
      ready = start + uartBit / 2;
      continue;
    }
    let byte = 0;
    for (let bit = 0; bit < 8; bit++) byte |= levelAt(start + (bit + 1.5) * uartBit) << bit;
    out += String.fromCharCode(byte);
    ready = start + 9.5 * uartBit;
  }
}
