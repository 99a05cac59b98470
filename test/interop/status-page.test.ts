// The status page in a real browser: the virtual board (GPS-disciplined, so it
// synchronises within ~20 s) serves it, headless Chromium loads it, runs its
// script, and we check the DOM it built (state values, the SVG chart with
// points) and keep a phone-sized screenshot in test/bench/out/status-page.png.
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, peerPath, removeDir, REPO, requirePeer, run, sleep, tempDir } from './peers';
import { VBoard } from './vboard';

const skip = requirePeer('chromium');
const SCREENSHOT = join(REPO, 'test/bench/out/status-page.png');
/** A phone's viewport, CSS pixels. */
const PHONE_WIDTH = 412;
const PHONE_HEIGHT = 1100;

/**
 * Headless Chromium on one URL. It may only reach the board: every host name
 * but the board's resolves to nothing, and its background services (updates, sync, safe
 * browsing) are off. Root needs --no-sandbox.
 */
function chromium(profile: string, extra: string[], url: string) {
  return run(peerPath('chromium')!, ['--headless', '--no-sandbox', '--disable-gpu', '--user-data-dir=' + profile,
    '--no-first-run', '--no-default-browser-check', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-default-apps', '--disable-extensions', '--disable-domain-reliability', '--no-pings',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ' + new URL(url).hostname, '--window-size=' + PHONE_WIDTH + ',' + PHONE_HEIGHT,
    '--hide-scrollbars', '--virtual-time-budget=10000', ...extra, url], { timeoutS: 60 });
}

/** The points of an SVG path's "M x y L x y ..." data. */
function pathPoints(d: string): number[][] {
  const points: number[][] = [];
  const re = /[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g;
  for (let m = re.exec(d); m; m = re.exec(d)) points.push([Number(m[1]), Number(m[2])]);
  return points;
}

describe.skipIf(skip !== undefined)('status page in headless Chromium', () => {
  let board: VBoard;
  let base = '';
  let profile = '';

  beforeAll(async () => {
    profile = tempDir('chromium');
    board = await VBoard.start({ ntpPort: await freeUdpPort(), config: 'refclock GPS\nmakestep 1 3\n', timeoutS: 150 });
    base = await board.httpUrl();
    // Synchronised to the simulated GPS, with at least one clock update in the history.
    const until = Date.now() + 60_000;
    for (;;) {
      const status = (await (await fetch(base + "/status")).json()) as { synchronised: boolean };
      const history = (await (await fetch(base + '/history')).text()).trim().split('\n');
      if (status.synchronised && history.length >= 2) break;
      if (Date.now() > until) throw new Error('not synchronised after 60 s: ' + JSON.stringify(status) + '\n' + board.stderr);
      await sleep(1000);
    }
  }, 90_000);

  afterAll(async () => {
    if (board) await board.stop();
    removeDir(profile);
  });

  it('builds the state and an SVG chart with points from /status and /history', async () => {
    const historyRows = (await (await fetch(base + '/history')).text()).trim().split('\n').length - 1;
    const result = await chromium(profile, ['--dump-dom'], base + '/');
    expect(result.code, result.stderr).toBe(0);
    const dom = result.stdout;
    expect(dom).toMatch(/<div id="state" class="ok">Synchronised, stratum 1<\/div>/);
    expect(dom).toMatch(/<td>Reference<\/td><td>50505300 \(PPS\)<\/td>/);
    expect(dom).toMatch(/<td>Frequency<\/td><td>[0-9.]+ ppm (fast|slow)/);
    expect(dom).toMatch(/<pre id="sources">MS Name\/IP address[\s\S]*#\* PPS/);
    const chart = /<svg id="chart"[\s\S]*?<\/svg>/.exec(dom);
    expect(chart, 'no <svg id="chart"> in the DOM').not.toBeNull();
    for (const line of ['offset', 'freq']) {
      const path = new RegExp('<path d="([^"]*)" class="' + line + '"').exec(chart![0]);
      expect(path, `no ${line} path in the chart`).not.toBeNull();
      const points = pathPoints(path![1]);
      // Every history row, and the present state at the end.
      expect(points.length).toBeGreaterThanOrEqual(historyRows + 1);
      for (const [x, y] of points) {
        expect(x).toBeGreaterThanOrEqual(60);
        expect(x).toBeLessThanOrEqual(590);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(260);
      }
    }
  }, 70_000);

  it('renders at phone width into test/bench/out/status-page.png', async () => {
    mkdirSync(join(REPO, 'test/bench/out'), { recursive: true });
    if (existsSync(SCREENSHOT)) rmSync(SCREENSHOT);
    const result = await chromium(profile, ['--screenshot=' + SCREENSHOT], base + '/');
    expect(result.code, result.stderr).toBe(0);
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20.
    expect(png.readUInt32BE(16)).toBe(PHONE_WIDTH);
    expect(png.readUInt32BE(20)).toBe(PHONE_HEIGHT);
    console.log(`[status-page] screenshot: ${SCREENSHOT} (${png.length} bytes)`);
  }, 70_000);

  it('serves the logs as text with chrony\'s banner', async () => {
    const response = await fetch(base + '/log/tracking');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await response.text()).split('\n');
    expect(lines[1]).toMatch(/^ {3}Date \(UTC\) Time {5}IP Address {3}St {3}Freq ppm/);
    expect(lines[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d PPS {14}1 /);
  });
});
