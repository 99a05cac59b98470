// Issue 15 (and issue 11's reconnect criterion) in the real interpreter: a Wi-Fi stand-in drops
// and restores the link once a second, 50 times. On the firmware of before, the first re-bind
// threw "Unable to create socket" out of the reconnect handler and NTP never answered again.
// Now: NTP answers between drops and at the end, `network` counts 50 reconnects, nothing
// uncaught, the JsVars in use do not grow from the first reconnect to the last, and
// ntpq's association ids stay the same. A fault planted in a callback is caught, counted and
// logged on the NTP console, and NTP still answers.
import { afterAll, describe, expect, it } from 'vitest';
import { createNetns, deleteNetns, ntpq, peerPath, run } from '../interop/peers';
import { Device, flash, memoryProbe, requireDevice, uploadPayload, wifiStandIn } from './device';

const skip = requireDevice();
/** Functional checks run where the firmware boots today; the 3,000-JsVar budget is issue 10's (test/device/scenarios). */
const VARS = Number(process.env.DEVICE_VARS ?? 16383);
const FLAPS = 50;

const namespaces: string[] = [];
const devices: Device[] = [];
afterAll(async () => {
  for (const device of devices) await device.stop();
  for (const ns of namespaces) await deleteNetns(ns);
});

/** Up to `tries` requests (one at a time) until one is answered: on a loaded machine the interpreter runs under qemu and may miss one. */
async function answeredStratum(ns: string, tries = 5): Promise<number | null> {
  for (let i = 0; i < tries; i++) {
    const value = await stratum(ns);
    if (value !== null) return value;
  }
  return null;
}

/** One mode-3 request to the device's port 123 from inside its namespace: the reply's stratum, or null. */
async function stratum(ns: string): Promise<number | null> {
  const script = `const d=require('dgram').createSocket('udp4');const q=Buffer.alloc(48);q[0]=0x23;
const t=setTimeout(()=>{console.log('none');process.exit(0)},1500);
d.on('message',(m)=>{console.log(m.length>=48&&(m[0]&7)===4?m[1]:'bad');clearTimeout(t);process.exit(0)});
d.send(q,123,'127.0.0.1');`;
  const result = await run(process.execPath, ['-e', script], { netns: ns, timeoutS: 5 });
  const value = Number(result.stdout.trim());
  return Number.isFinite(value) ? value : null;
}

function field(report: string, label: string): string {
  const line = report.split('\n').find((l) => l.startsWith(label));
  return line === undefined ? '' : line.slice(line.indexOf(':') + 1).trim();
}

describe.skipIf(skip !== undefined)('the real interpreter across Wi-Fi reconnects', () => {
  it(`answers NTP after each of ${FLAPS} link drops, adds nothing per reconnect, and keeps ntpq's association ids`, async () => {
    const ns = await createNetns();
    namespaces.push(ns);
    const dir = flash(uploadPayload(), {
      Wifi: wifiStandIn({ flapEveryMs: 1000, flaps: FLAPS, pauseAfterFirstMs: 8000 }),
      'ntp.conf': 'local stratum 10\nserver 127.0.0.2 iburst\n',
      '.boot0': memoryProbe(VARS, VARS),
    });
    const device = Device.boot(dir, { vars: VARS, netns: ns, timeoutS: 150 });
    devices.push(device);
    await device.waitFor(/NTP appliance ready/, 30_000);
    const idsBefore = peerPath('ntpq') ? (await ntpq(['-c', 'associations', '127.0.0.1'], { netns: ns })).stdout : '';

    // The first drop and restore, then a quiet 8 s: the memory after the first reconnect.
    await device.waitFor(/network: connected as/, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const afterFirst = (await device.memory()).usage;
    // The other drops, one a second: NTP sampled throughout.
    let answered = 0;
    let asked = 0;
    const start = Date.now();
    while (Date.now() - start < (FLAPS + 12) * 1000) {
      asked++;
      if ((await stratum(ns)) === 10) answered++;
      if ((device.output.match(/network: connected as/g) ?? []).length >= FLAPS) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const network = await device.command('network');
    const afterLast = (await device.memory()).usage;
    const finalStratum = await answeredStratum(ns);
    const status = await device.command('status');
    const idsAfter = peerPath('ntpq') ? (await ntpq(['-c', 'associations', '127.0.0.1'], { netns: ns })).stdout : '';
    console.log(`[device] ${FLAPS} reconnects: NTP answered ${answered} of ${asked} probes during the flapping; ` +
      `JsVars after the first reconnect ${afterFirst}, after the last ${afterLast}; Reconnects: ${field(network, 'Reconnects')}`);

    expect(field(network, 'Reconnects')).toBe(String(FLAPS));
    expect(finalStratum).toBe(10);
    expect(answered).toBeGreaterThan(asked / 3);
    // Nothing grows per reconnect: the old firmware added a control server and a closure on each
    // (tens of JsVars each time, over a thousand in 49). A source's own state moves by a few tens
    // either way as it polls, which is not a leak.
    expect(afterLast - afterFirst).toBeLessThanOrEqual(10);
    expect(status).toMatch(/Callback errors: 0/);
    if (peerPath('ntpq')) {
      const ids = (text: string) => text.split('\n').filter((l) => /^\s*\d+\s+\d+\s+[0-9a-f]{4}/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '));
      expect(ids(idsBefore).length).toBeGreaterThan(0);
      expect(ids(idsAfter)).toEqual(ids(idsBefore));
    }
    expect(device.failures()).toEqual([]);
    expect(device.output).not.toMatch(/Unable to create socket|not bound after/);
  }, 150_000);

  it('a fault planted in a callback is caught, counted and logged on the NTP console, and NTP still answers', async () => {
    const ns = await createNetns();
    namespaces.push(ns);
    const dir = flash(uploadPayload(), { Wifi: wifiStandIn(), 'ntp.conf': 'local stratum 10\n' });
    const device = Device.boot(dir, { vars: VARS, netns: ns, timeoutS: 60 });
    devices.push(device);
    await device.waitFor(/NTP appliance ready/, 30_000);
    expect(await answeredStratum(ns)).toBe(10);
    // From the REPL, as a person at the board could: the next String.fromCharCode call throws, once.
    await device.enterRepl();
    device.type('var f=String.fromCharCode;String.fromCharCode=function(){String.fromCharCode=f;throw new Error("planted fault");};ntpConsole()\r');
    // Back on the NTP console. The fault may go off in a timer (the reply header's refresh) before
    // the request below: the log line then follows the prompt, and either callback is as good a test.
    await device.waitFor(/-> LoopbackA\s*ntp> /, 10_000, device.output.length - 10);
    await stratum(ns);
    await device.waitFor(/\[ntp\] error in [^\n]*planted fault/, 10_000);
    expect(await device.command('status')).toMatch(/Callback errors: 1 \(last: [^\n]*planted fault\)/);
    expect(await answeredStratum(ns)).toBe(10);
    expect(device.failures()).toEqual([]);
  }, 90_000);
});
