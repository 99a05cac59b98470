/**
 * The GPS driver's hot path: serial data, sentences and pulses (gps.ts says
 * how pulses and sentences are paired). On the device this is the kept module
 * `ntpk-gps`, in memory for as long as the refclock runs, with the NMEA
 * reading functions (nmea.ts); what runs once or once a poll (creating the
 * driver, reducing the filter, the reference name) is in gps.ts, loaded for
 * that event only. Every function object here costs about 5 JsVars + 1 per
 * parameter all the time, so the per-sentence logic is a few larger functions,
 * and the driver's numbers that no report reads are slots of the reader's
 * Float64Array (DriverSlot), not properties.
 */
import * as clockReadout from '../clock/readout';
import type { Platform } from '../platform';
import { GpsCount } from './counters';
import type { Filter } from './filter';
import type { Gps } from './gps';
import { ReaderSlot, readSentences, SentenceKind } from './nmea';

/**
 * The driver's slots of `gps.reader.values`, after the reader's own. Each is written out from
 * ReaderSlot.Count: a compiler that sees one file at a time (esbuild, in the tests) cannot count
 * on from a member taken from another enum.
 */
export const enum DriverSlot {
  /** Raw time the current serial chunk arrived (the reader calls back inside feed). */
  ChunkRaw = ReaderSlot.Count,
  BadPulseStreak = ReaderSlot.Count + 1,
  /** Acquisition: the last labelled pulse and how many labels in a row agreed. */
  CandidateRaw = ReaderSlot.Count + 2,
  CandidateLabel = ReaderSlot.Count + 3,
  Agreeing = ReaderSlot.Count + 4,
  /** A run of disagreeing labels: their difference from the lock and how many. */
  DisagreeBy = ReaderSlot.Count + 5,
  Disagreeing = ReaderSlot.Count + 6,
  /** The last label taken (the other sentences of the same second add nothing). */
  LastLabel = ReaderSlot.Count + 7,
  /** Day start (Unix) of the last dated sentence, for GGA, which has only the time of day (NaN: none yet). */
  DayStart = ReaderSlot.Count + 8,
  /** Raw time of the last sentence that reported a fix. */
  LastValidRaw = ReaderSlot.Count + 9,
  Count = ReaderSlot.Count + 10,
}

export const enum Pairing {
  /** Labels that must agree with the pulse count before the second count is locked. */
  AcquirePairings = 3,
  /** Consecutive disagreeing labels (with the same difference) after which the lock follows the receiver. */
  RelockAfter = 60,
  /** A sentence more than this long after the latest pulse labels no pulse. */
  MaxLabelDelay = 0.99,
  /** A pulse train whose edges are further than this (plus 100 ppm of the gap) from whole seconds apart is noise. */
  PulseTolerance = 0.002,
  CrystalTolerance = 1e-4,
  /** Past this gap between pulses the crystal could have lost count of the seconds. */
  MaxLockGap = 1000,
  /** Without sentences for this long the receiver is silent (PPS-only holdover), not "reporting no fix". */
  SentenceTimeout = 3,
  /** Without pulses for this long, sentences are taken on their own (NMEA-only). */
  PulseTimeout = 2,
  /** An NMEA-only sample's dispersion when its delay after the second is learned, and when it is only guessed. */
  NmeaDispersion = 0.01,
  NmeaGuessDispersion = 0.5,
}

/** Opens the receiver's UART and watches its pulse pin: the callbacks are made here, in the kept module. */
export function start(gps: Gps, platform: Platform): void {
  platform.services().serialOpen(gps.options.baud, gps.options.rxPin, gps.options.txPin, function (chunk) {
    feed(gps, chunk, platform.rawClock());
  });
  if (gps.options.ppsPin !== 'none') {
    platform.services().watchPin(gps.options.ppsPin, gps.options.ppsEdge, function (raw) {
      pulse(gps, raw);
    });
  }
}

/** Serial data from the receiver, with the raw time it arrived. */
export function feed(gps: Gps, chunk: string, raw: number): void {
  gps.reader.values[DriverSlot.ChunkRaw] = raw;
  readSentences(gps.reader, chunk, sentence, gps);
}

/** Whole seconds between two raw times on the disciplined scale, or -1 when the gap is not close to whole seconds. */
function wholeSeconds(gps: Gps, fromRaw: number, toRaw: number): number {
  // The crystal's correction only: a slew in progress changes served time on purpose, not the seconds.
  const gap = (toRaw - fromRaw) * (1 + gps.clock.baseFreq);
  const seconds = Math.round(gap);
  return seconds >= 1 && Math.abs(gap - seconds) <= Pairing.PulseTolerance + Pairing.CrystalTolerance * gap ? seconds : -1;
}

/** A pulse edge, timestamped with the raw clock in the interrupt. */
export function pulse(gps: Gps, raw: number): void {
  const values = gps.reader.values;
  const counts = gps.counts;
  counts[GpsCount.Pulses]++;
  if (gps.lastPulseRaw !== 0) {
    const seconds = wholeSeconds(gps, gps.lastPulseRaw, raw);
    // The train moved, or the gap is too long to be sure of the count: acquire it again.
    let lost = false;
    if (seconds < 0) {
      counts[GpsCount.BadPulses]++;
      // A glitch on the line is skipped; several in a row mean the train itself moved.
      values[DriverSlot.BadPulseStreak] += 1;
      if (values[DriverSlot.BadPulseStreak] < 3) return;
      lost = true;
    } else if (seconds > Pairing.MaxLockGap) {
      lost = true;
    } else if (gps.locked) {
      gps.pulseLabel += seconds;
    }
    if (lost) {
      gps.locked = false;
      values[DriverSlot.Agreeing] = 0;
      values[DriverSlot.CandidateRaw] = 0;
      values[DriverSlot.Disagreeing] = 0;
    }
  }
  values[DriverSlot.BadPulseStreak] = 0;
  gps.lastPulseRaw = raw;
  if (!gps.locked) {
    counts[GpsCount.Unlabelled]++;
    return;
  }
  let dispersion = Math.pow(2, gps.clock.precisionLog2);
  // The receiver says it has no fix: its pulse free-runs, and is worth less with every second.
  if (!gps.fixValid && raw - gps.lastSentenceRaw < Pairing.SentenceTimeout) {
    dispersion += clockReadout.DISPERSION_RATE * (raw - values[DriverSlot.LastValidRaw]);
  }
  // Pulses and sentences differ by four orders of magnitude: never mix them in one filter (pulses win).
  if (!gps.filterHoldsPulses) {
    gps.filter.count = 0;
    gps.filter.first = 0;
    gps.filterHoldsPulses = true;
  }
  const ideal = clockReadout.idealTime(gps.clock, raw);
  addToFilter(gps.filter, ideal, gps.pulseLabel + gps.options.offset - ideal, dispersion);
}

/** A sample into the filter (filter.ts `add`); a full filter drops its oldest. */
export function addToFilter(filter: Filter, time: number, offset: number, dispersion: number): void {
  const length = filter.times.length;
  let slot: number;
  if (filter.count < length) {
    slot = (filter.first + filter.count) % length;
    filter.count++;
  } else {
    slot = filter.first;
    filter.first = (filter.first + 1) % length;
  }
  filter.times[slot] = time;
  filter.offsets[slot] = offset;
  filter.dispersions[slot] = dispersion;
}

/** A sentence the reader accepted (its numbers are in the reader's values), ending at the chunk's raw time. */
function sentence(gps: Gps): void {
  const values = gps.reader.values;
  const counts = gps.counts;
  const raw = values[DriverSlot.ChunkRaw];
  const kind = values[ReaderSlot.Kind];
  const talker = values[ReaderSlot.Talker];
  gps.lastSentenceRaw = raw;
  gps.talker = String.fromCharCode(Math.floor(talker / 256), talker % 256);
  if (kind === SentenceKind.GGA) {
    // Small integers, stored as such (a float property takes more memory).
    gps.fixQuality = values[ReaderSlot.FixQuality] | 0;
    gps.satellites = values[ReaderSlot.Satellites] | 0;
  }
  const valid = values[ReaderSlot.Valid] === 1;
  // ZDA keeps coming from the receiver's own clock without a fix: it states the time, not the fix.
  if (kind !== SentenceKind.ZDA) gps.fixValid = valid;
  if (!valid) {
    counts[GpsCount.NoFix]++;
    return;
  }
  if (kind !== SentenceKind.ZDA) values[DriverSlot.LastValidRaw] = raw;
  if (!gps.fixValid) return;

  // The Unix second the sentence states; none when it states no whole second (NaN fails this too).
  const secondsOfDay = values[ReaderSlot.SecondsOfDay];
  const unixSeconds = values[ReaderSlot.UnixSeconds];
  if (secondsOfDay !== Math.floor(secondsOfDay)) return;
  let second: number;
  if (unixSeconds === unixSeconds) {
    values[DriverSlot.DayStart] = unixSeconds - secondsOfDay;
    second = unixSeconds;
  } else {
    // GGA: the day of the last dated sentence (NaN before the first).
    second = values[DriverSlot.DayStart] + secondsOfDay;
    if (second !== second) return;
    // A GGA just after midnight, before the day's first dated sentence.
    if (second < values[DriverSlot.LastLabel] - 43200) second += 86400;
  }
  if (second === values[DriverSlot.LastLabel]) return;
  values[DriverSlot.LastLabel] = second;

  const lastPulseRaw = gps.lastPulseRaw;
  const sincePulse = raw - lastPulseRaw;
  if (lastPulseRaw === 0 || sincePulse > Pairing.PulseTimeout) {
    // No pulses (never, or not for a while): the sentence alone is a coarse sample.
    counts[GpsCount.NmeaOnly]++;
    const configured = gps.options.nmeaDelay;
    const learned = gps.learnedDelay;
    const known = learned === learned || configured === configured;
    const delay = configured === configured ? configured : learned === learned ? learned : 0;
    // Pulse samples outweigh it: it joins only a filter without them.
    if (gps.filterHoldsPulses && gps.filter.count > 0) return;
    gps.filterHoldsPulses = false;
    const ideal = clockReadout.idealTime(gps.clock, raw);
    addToFilter(gps.filter, ideal, second + delay - ideal, known ? Pairing.NmeaDispersion : Pairing.NmeaGuessDispersion);
    return;
  }
  // Too long after the latest pulse to label it, yet pulses have not stopped: no sample.
  if (!(sincePulse >= 0 && sincePulse < Pairing.MaxLabelDelay)) return;

  // The sentence ended `sincePulse` after the latest pulse: that pulse was `second`.
  gps.learnedDelay = gps.learnedDelay !== gps.learnedDelay ? sincePulse : gps.learnedDelay + (sincePulse - gps.learnedDelay) / 16;
  if (gps.locked) {
    if (second === gps.pulseLabel) {
      counts[GpsCount.Paired]++;
      values[DriverSlot.Disagreeing] = 0;
      return;
    }
    counts[GpsCount.Stale]++;
    const by = second - gps.pulseLabel;
    values[DriverSlot.Disagreeing] = by === values[DriverSlot.DisagreeBy] ? values[DriverSlot.Disagreeing] + 1 : 1;
    values[DriverSlot.DisagreeBy] = by;
    if (values[DriverSlot.Disagreeing] >= Pairing.RelockAfter) {
      gps.log('GPS: the receiver has stated a time ' + by + ' s from the pulse count for ' + Pairing.RelockAfter + ' s: following it');
      counts[GpsCount.Relocks]++;
      gps.pulseLabel = second;
      values[DriverSlot.Disagreeing] = 0;
      gps.filter.count = 0;
      gps.filter.first = 0;
    }
    return;
  }
  // Acquiring: labels must agree with the whole seconds between their pulses.
  const candidateRaw = values[DriverSlot.CandidateRaw];
  const agrees = candidateRaw !== 0 && candidateRaw !== lastPulseRaw &&
    second - values[DriverSlot.CandidateLabel] === wholeSeconds(gps, candidateRaw, lastPulseRaw);
  values[DriverSlot.Agreeing] = agrees ? values[DriverSlot.Agreeing] + 1 : 1;
  values[DriverSlot.CandidateRaw] = lastPulseRaw;
  values[DriverSlot.CandidateLabel] = second;
  if (values[DriverSlot.Agreeing] >= Pairing.AcquirePairings) {
    gps.locked = true;
    gps.pulseLabel = second;
    values[DriverSlot.Disagreeing] = 0;
  }
}
