// The console on a board synchronised to the simulated GPS: chronyc's lines for a
// reference clock (#* PPS, "Reference ID : 50505300 (PPS)"), and the refclocks report.
import { describe, expect, it } from 'vitest';
import * as commands from '../../src/console/commands';
import { runSimulation } from './engine';
import type { SimSpec } from './engine';

function gpsBoard(extra: Partial<SimSpec> = {}) {
  return runSimulation({
    duration: 300,
    config: 'refclock GPS\nmakestep 1 3\n',
    crystal: { offset: 0.2, freq: 20e-6, wander: 0 },
    servers: [],
    network: { baseDelay: 1e-4, jitter: 1e-4 },
    gps: { ppsJitter: 1e-6 },
    ...extra,
  }, 1).app;
}

// chronyc's sources line (chrony's 110-chronyc pattern) with the refclock mode '#'.
const REFCLOCK_LINE = /^#\* PPS +0   4   377  [ 0-9]{3}[0-9smhdy ]  [0-9 +-]{5}[num]s\[[0-9 +-]{5}[num]s\] \+\/- [ 0-9]{4}[num]s$/;

describe('console with the GPS reference clock', () => {
  it('sources shows the refclock as chronyc does: #* PPS, stratum 0, poll 4', () => {
    const app = gpsBoard();
    const lines = commands.run(app, 'sources').split('\n');
    expect(lines[2]).toMatch(REFCLOCK_LINE);
    expect(commands.run(app, 'sources -v')).toMatch(/'#' = local clock/);
  });

  it('tracking names the reference by its id and serves stratum 1', () => {
    const app = gpsBoard();
    const text = commands.run(app, 'tracking');
    expect(text).toMatch(/^Reference ID    : 50505300 \(PPS\)\nStratum         : 1\n/);
    expect(text).toMatch(/Leap status     : Normal\n$/);
  });

  it('sourcestats lists it by name', () => {
    const lines = commands.run(gpsBoard(), 'sourcestats').split('\n');
    expect(lines[2]).toMatch(/^PPS +[0-9 ]{3} [0-9 ]{3}  [0-9 ]{3}[0-9smhdy ] [ +0-9-]{6}\.[0-9]{3} [ 0-9]{6}\.[0-9]{3}  [0-9 +-]{5}[num]s  [0-9 ]{4}[num]s$/);
  });

  it('refclocks shows fix, satellites, sentence age, pulses and pairing', () => {
    const text = commands.run(gpsBoard(), 'refclocks');
    const lines = text.split('\n');
    expect(lines[2]).toMatch(REFCLOCK_LINE);
    expect(text).toMatch(/\nDriver          : GPS: NMEA at 9600 baud on board RX\/board TX, PPS on board pin \(rising edge\)\n/);
    expect(text).toMatch(/\nFix             : yes, quality 1, [0-9]+ satellites, talker GN\n/);
    expect(text).toMatch(/\nLast sentence   : 0\.[0-9] seconds ago\n/);
    expect(text).toMatch(/\nSecond count    : locked, last pulse [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} 2025\n/);
    expect(text).toMatch(/\nNMEA delay      : 0\.[0-9]{3} seconds after the pulse\n/);
    // 299 or more: the refclock starts in the event after boot's, and a pulse in between is not seen.
    expect(text).toMatch(/\nPulses          : (299|30[01]) \(0 bad, 3 unlabelled\)\n/);
    expect(text).toMatch(/\nPairings        : 29[0-9] agreed, 0 rejected \(stale or wrong\), 0 relocks\n/);
    expect(text).toMatch(/\nSentences       : [0-9]+ accepted, 0 bad checksum, 0 no checksum, 0 too long, 0 unknown type, 0 malformed, 0 invalid time\/date\n$/);
  });

  it('refclocks takes no arguments; without a refclock line it says how to add one', () => {
    const app = gpsBoard();
    expect(commands.run(app, 'refclocks now')).toBe('Invalid syntax for refclocks (usage: refclocks)\n');
    const plain = runSimulation({ duration: 5, config: 'local stratum 10\n', crystal: { offset: 0, freq: 0, wander: 0 }, servers: [], network: { baseDelay: 1e-4, jitter: 0 } }, 1).app;
    expect(commands.run(plain, 'refclocks')).toMatch(/^No reference clock/);
  });

  it('the refclock cannot be deleted or polled like a server', () => {
    const app = gpsBoard();
    expect(commands.run(app, 'delete PPS')).toMatch(/^503 No such source/);
    expect(commands.run(app, 'delete GPS')).toMatch(/^503 No such source/);
    expect(app.sync.sources).toHaveLength(1);
  });
});
