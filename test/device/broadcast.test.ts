// Issue 14 in the real interpreter: the flashed firmware's mode-5 broadcasts leave from a port
// that answers mode 3, so a client that calibrates as ntpd's broadcastclient does (its volley to
// the broadcast's source address and port) is answered. Inside the test's namespace all of
// 127.0.0.0/8 is local, so a listener on the broadcast's port hears what the board sends to
// 127.255.255.255.
import { afterAll, describe, expect, it } from 'vitest';
import { createNetns, deleteNetns, run } from '../interop/peers';
import { Device, flash, requireDevice, uploadPayload, wifiStandIn } from './device';

const skip = requireDevice();
const VARS = Number(process.env.DEVICE_VARS ?? 16383);
const LISTEN_PORT = 11123;

const namespaces: string[] = [];
const devices: Device[] = [];
afterAll(async () => {
  for (const device of devices) await device.stop();
  for (const ns of namespaces) await deleteNetns(ns);
});

/** Waits for one mode-5 packet on LISTEN_PORT, then sends a mode-3 request to its source port; prints what happened as JSON. */
const CLIENT = `const dgram=require('dgram');const out={};const l=dgram.createSocket('udp4');
const stop=setTimeout(()=>{console.log(JSON.stringify(out));process.exit(0)},30000);
l.on('message',(m,r)=>{if(out.broadcastPort!==undefined||(m[0]&7)!==5)return;out.broadcastPort=r.port;out.mode=m[0]&7;out.stratum=m[1];
const c=dgram.createSocket('udp4');const q=Buffer.alloc(48);q[0]=0x23;q.writeUInt32BE(0x12345678,40);
c.on('message',(a,ar)=>{out.replyPort=ar.port;out.replyMode=a[0]&7;out.originEcho=a.readUInt32BE(24)===0x12345678;clearTimeout(stop);console.log(JSON.stringify(out));process.exit(0)});
c.send(q,r.port,r.address);});
l.bind(${LISTEN_PORT});`;

describe.skipIf(skip !== undefined)('broadcasts from the real interpreter', () => {
  it('leave from a port that answers mode 3 (an ntpd broadcastclient\'s calibration volley)', async () => {
    const ns = await createNetns();
    namespaces.push(ns);
    const dir = flash(uploadPayload(), { Wifi: wifiStandIn(), 'ntp.conf': `local stratum 3\nbroadcast 8 127.255.255.255 ${LISTEN_PORT}\n` });
    const device = Device.boot(dir, { vars: VARS, netns: ns, timeoutS: 90 });
    devices.push(device);
    await device.waitFor(/NTP appliance ready/, 30_000);
    const result = await run(process.execPath, ['-e', CLIENT], { netns: ns, timeoutS: 40 });
    const seen = JSON.parse(result.stdout.trim() || '{}');
    console.log(`[device] broadcast: mode-5 from port ${seen.broadcastPort} (stratum ${seen.stratum}); mode-3 to it answered from port ${seen.replyPort}, mode ${seen.replyMode}, origin echoed ${seen.originEcho}`);
    expect(seen.mode).toBe(5);
    expect(seen.stratum).toBe(3);
    // A never-bound sender (Espruino sets SO_BROADCAST only there): an ephemeral port, which answers.
    expect(seen.broadcastPort).not.toBe(123);
    expect(seen.replyPort).toBe(seen.broadcastPort);
    expect(seen.replyMode).toBe(4);
    expect(seen.originEcho).toBe(true);
    expect(device.failures()).toEqual([]);
  }, 90_000);
});
