// The Wi-Fi link: configuration directives and their masking, the back-off
// schedule, and the station state machine against a hand-driven station.
import { describe, expect, it } from 'vitest';
import * as appModule from '../../src/app';
import * as configuration from '../../src/config/parse';
import * as commands from '../../src/console/commands';
import * as wifi from '../../src/net/wifi';
import { fakePlatform, fakeStation } from './fakes';

describe('network configuration', () => {
  it('parses wifi with quoting, hostname, and a static address', () => {
    const parsed = configuration.parse(
      'wifi "Home Net" "pa ss#wo\\"rd" # the living room AP\nhostname ntp-clock\naddress 192.168.1.50/24 gateway 192.168.1.1 dns 9.9.9.9\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.config.network).toEqual({
      ssid: 'Home Net', password: 'pa ss#wo"rd', hostname: 'ntp-clock',
      address: '192.168.1.50', netmask: '255.255.255.0', gateway: '192.168.1.1', dns: '9.9.9.9',
    });
  });

  it('defaults to no wifi line (keep Espruino\'s connection) and DHCP; dns defaults to the gateway', () => {
    expect(configuration.parse('').config.network).toEqual({ ssid: '', password: '', hostname: '', address: '', netmask: '', gateway: '', dns: '' });
    const network = configuration.parse('wifi Open\naddress 10.1.2.3/20 gateway 10.1.0.1\n').config.network;
    expect([network.ssid, network.password, network.netmask, network.dns]).toEqual(['Open', '', '255.255.240.0', '10.1.0.1']);
    expect(configuration.parse('address 10.0.0.2/8 gateway 10.0.0.1\naddress dhcp\n').config.network.address).toBe('');
  });

  it('rejects bad lines with their numbers, never quoting the password', () => {
    const text = [
      'wifi "Net secret1', // unterminated quote
      'wifi',
      'wifi Net secret2 extra',
      'wifi "' + 'x'.repeat(33) + '" secret3',
      'hostname -bad-',
      'hostname a_b',
      'address 192.168.1.50 gateway 192.168.1.1',
      'address 192.168.1.50/24 gateway 10.0.0.1',
      'address 192.168.1.50/24',
      'address 192.168.1.300/24 gateway 192.168.1.1',
      'wifi Net secret4',
      'wifi Other secret5',
    ].join('\n');
    const parsed = configuration.parse(text);
    expect(parsed.errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
    expect(parsed.errors[0].message).toBe('unterminated quote');
    expect(parsed.errors[7].message).toContain('not in 192.168.1.50/24');
    expect(parsed.errors[10].message).toBe('only one wifi line');
    for (const error of parsed.errors) expect(error.message).not.toMatch(/secret/);
    // The good line stays in force.
    expect(parsed.config.network.ssid).toBe('Net');
    expect(parsed.config.network.password).toBe('secret4');
  });

  it('masks the password of any wifi line, parsable or not, and leaves other lines alone', () => {
    expect(configuration.maskSecrets('wifi "Home Net" "pa ss#word" # note')).toBe('wifi "Home Net" ********');
    expect(configuration.maskSecrets('  WIFI Home secret')).toBe('  WIFI Home ********');
    expect(configuration.maskSecrets('wifi "Home secret')).toBe('wifi ********');
    expect(configuration.maskSecrets('wifi\tHome\tsecret')).toBe('wifi Home ********');
    expect(configuration.maskSecrets('wifi OpenNet')).toBe('wifi OpenNet');
    expect(configuration.maskSecrets('server 192.168.1.1 iburst # wifi x y')).toBe('server 192.168.1.1 iburst # wifi x y');
    expect(configuration.maskSecrets('# wifi Home secret')).toBe('# wifi Home secret');
  });

  it('the console\'s config command never prints the password', () => {
    const storage = { 'ntp.conf': 'local stratum 3\nwifi "Home Net" hunter22\n' };
    const { platform } = fakePlatform(() => 1000, storage);
    const app = appModule.start(platform);
    const shown = commands.run(app, 'config');
    expect(shown).toContain('wifi "Home Net" ********');
    expect(shown).toContain('local stratum 3');
    expect(shown).not.toContain('hunter22');
  });
});

describe('back-off schedule', () => {
  it('starts at 5 s and doubles up to 5 min, jitter only shortening it by up to 20 %', () => {
    const plain = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => wifi.retryDelayMs(n, 0));
    expect(plain).toEqual([5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000, 300000]);
    for (let n = 1; n < 12; n++) {
      const shortest = wifi.retryDelayMs(n, 0.999999);
      expect(shortest).toBeGreaterThan(wifi.retryDelayMs(n, 0) * (1 - wifi.RETRY_JITTER) - 1e-6);
      expect(shortest).toBeLessThan(wifi.retryDelayMs(n, 0));
    }
  });
});

/** A link on a hand-driven station; `ups` records each onUp's reconnect flag. */
function link(text: string, random = 0.5) {
  const station = fakeStation(random);
  const ups: boolean[] = [];
  const net = wifi.create(station.platform, configuration.parse(text).config.network, (reconnect) => ups.push(reconnect));
  wifi.start(net);
  return { station, net, ups };
}

describe('Wi-Fi station state machine', () => {
  it('connects with the configured credentials, sets the hostname and a static address first, and reports the address', () => {
    const { station, net, ups } = link('wifi Lab "s3cret!"\nhostname clock\naddress 192.168.1.50/24 gateway 192.168.1.1\n');
    expect(station.calls).toEqual(['hostname clock', 'setIP 192.168.1.50 255.255.255.0 192.168.1.1 192.168.1.1', 'connect Lab']);
    expect(station.attempts[0].password).toBe('s3cret!');
    expect(net.state).toBe(wifi.CONNECTING);
    expect(ups).toEqual([]);
    station.station.up = true;
    station.attempts[0].done(null);
    expect(net.state).toBe(wifi.CONNECTED);
    expect([net.address, net.netmask, net.gateway]).toEqual(['192.168.1.50', '255.255.255.0', '192.168.1.1']);
    expect(ups).toEqual([false]);
    // The 'connected' event that follows the callback changes nothing.
    station.link(true, '192.168.1.50');
    expect(ups).toEqual([false]);
  });

  it('retries a failing network at growing, bounded intervals and counts the retries', () => {
    const { station, net } = link('wifi Lab wrong\n', 0);
    const attemptTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      attemptTimes.push(station.clock.raw);
      station.attempts[i].done('AUTH_FAIL');
      expect(net.state).toBe(wifi.DISCONNECTED);
      expect(net.retries).toBe(i + 1);
      expect(net.lastError).toBe('AUTH_FAIL');
      expect(net.nextAttemptRaw).toBeCloseTo(station.clock.raw + wifi.retryDelayMs(i + 1, 0) / 1000, 6);
      station.runTimers(wifi.retryDelayMs(i + 1, 0) - 1);
      expect(station.attempts.length).toBe(i + 1);
      station.runTimers(1);
      expect(station.attempts.length).toBe(i + 2);
    }
    const gaps = attemptTimes.slice(1).map((t, i) => Math.round(t - attemptTimes[i]));
    expect(gaps).toEqual([5, 10, 20, 40, 80, 160, 300, 300, 300]);
    expect(station.logs.filter((line) => line.includes('cannot join "Lab": AUTH_FAIL')).length).toBe(10);
  });

  it('times out an attempt that never answers, and takes a late answer as nothing', () => {
    const { station, net, ups } = link('wifi Lab pw\n');
    station.runTimers(wifi.CONNECT_TIMEOUT_MS);
    expect(net.state).toBe(wifi.DISCONNECTED);
    expect(net.lastError).toMatch(/no answer/);
    station.station.up = true;
    station.attempts[0].done(null);
    expect(net.state).toBe(wifi.DISCONNECTED);
    expect(ups).toEqual([]);
  });

  it('on a drop, tries again and tells the services it is a reconnect', () => {
    const { station, net, ups } = link('wifi Lab pw\n');
    station.station.up = true;
    station.attempts[0].done(null);
    station.link(false, 'BEACON_TIMEOUT');
    expect(net.state).toBe(wifi.DISCONNECTED);
    expect(net.address).toBe('');
    expect(net.lastError).toBe('BEACON_TIMEOUT');
    expect(net.retries).toBe(0);
    station.runTimers(wifi.RETRY_MIN_MS);
    expect(station.attempts.length).toBe(2);
    expect(net.state).toBe(wifi.CONNECTING);
    // The access point is still gone: the failure is reported as an event alone (no callback).
    station.link(false, 'NO_AP_FOUND');
    expect(net.retries).toBe(1);
    station.runTimers(wifi.RETRY_MIN_MS);
    station.station.up = true;
    station.attempts[2].done(null);
    expect(net.state).toBe(wifi.CONNECTED);
    expect([net.reconnects, net.retries]).toEqual([1, 0]);
    expect(ups).toEqual([false, true]);
  });

  it('notices a lost link the events missed', () => {
    const { station, net } = link('wifi Lab pw\n');
    station.station.up = true;
    station.attempts[0].done(null);
    station.station.up = false; // no 'disconnected' event
    station.runTimers(10000);
    expect(net.state).not.toBe(wifi.CONNECTED);
    expect(net.lastError).toBe('link lost');
  });

  it('without a wifi line adopts Espruino\'s connection, never connects itself, and follows its events', () => {
    const station = fakeStation();
    station.station.up = true;
    const ups: boolean[] = [];
    const net = wifi.create(station.platform, configuration.parse('').config.network, (reconnect) => ups.push(reconnect));
    wifi.start(net);
    expect(net.state).toBe(wifi.CONNECTED);
    expect(ups).toEqual([false]);
    station.link(false, 'BEACON_TIMEOUT');
    station.runTimers(600000);
    expect(station.attempts).toEqual([]);
    expect(net.state).toBe(wifi.DISCONNECTED);
    station.link(true, '192.168.1.50');
    expect(ups).toEqual([false, true]);
    expect(station.logs).toEqual(['network: link lost (BEACON_TIMEOUT)', 'network: connected as 192.168.1.50']);
  });

  it('without a wifi line and no connection at boot, waits for Espruino\'s own', () => {
    const station = fakeStation();
    const ups: boolean[] = [];
    const net = wifi.create(station.platform, configuration.parse('').config.network, (reconnect) => ups.push(reconnect));
    wifi.start(net);
    expect(net.state).toBe(wifi.DISCONNECTED);
    expect(net.lastError).toMatch(/no wifi line/);
    station.link(true, '192.168.1.50');
    expect(net.state).toBe(wifi.CONNECTED);
    expect(ups).toEqual([false]);
  });
});

describe('the appliance on the link', () => {
  it('binds the NTP port only once connected, re-binds it after a reconnect, and shows the link on the console', () => {
    const station = fakeStation();
    const binds: number[] = [];
    let closed = 0;
    const handlers: unknown[] = [];
    station.platform.udpBind = (port, onDatagram) => {
      binds.push(port);
      handlers.push(onDatagram);
      return { send() {}, close: () => void closed++ };
    };
    station.platform.storageWrite('ntp.conf', 'wifi Lab pw\nlocal stratum 3\n');
    const app = appModule.start(station.platform);
    expect(binds).toEqual([]);
    expect(app.network).toEqual(expect.objectContaining({ state: 'connecting', address: '' }));
    expect(commands.run(app, 'network')).toMatch(/^State           : connecting\nWi-Fi network   : "Lab"\n/);
    station.station.up = true;
    station.attempts[0].done(null);
    expect(binds).toEqual([123]);
    expect(app.network).toEqual(expect.objectContaining({ state: 'connected', address: '192.168.1.50' }));
    station.link(false, 'BEACON_TIMEOUT');
    station.runTimers(wifi.RETRY_MIN_MS);
    station.station.up = true;
    station.attempts[1].done(null);
    // Closed at once; bound again once Espruino has carried the close out (its idle loop).
    expect(closed).toBe(1);
    expect(binds).toEqual([123]);
    station.runTimers(100);
    expect(binds).toEqual([123, 123]);
    // The same handler serves the new socket: a reconnect adds nothing.
    expect(handlers[1]).toBe(handlers[0]);
    const report = commands.run(app, 'network');
    expect(report).toContain('Address         : 192.168.1.50 netmask 255.255.255.0 gateway 192.168.1.1 (DHCP)\n');
    expect(report).toContain('Last error      : BEACON_TIMEOUT (');
    expect(report).toContain('Reconnects      : 1\n');
  });

  it('retries binding a port still held, with back-off, and says so when it gives up; a socket bound later serves', () => {
    const station = fakeStation();
    const attempts: number[] = [];
    let free = false;
    station.platform.udpBind = (port, _onDatagram, onError) => {
      attempts.push(station.clock.raw);
      if (!free) {
        onError('cannot bind: InternalError: Unable to create socket');
        return null;
      }
      return { send() {}, close() {} };
    };
    station.platform.storageWrite('ntp.conf', 'local stratum 3\n');
    station.station.up = true;
    const app = appModule.start(station.platform);
    // Boot: the first attempt at once, then 100, 200, 400 ... ms later, 8 in all.
    station.runTimers(60_000);
    expect(attempts.length).toBe(8);
    expect(attempts.slice(1).map((t, i) => Math.round((t - attempts[i]) * 1000))).toEqual([100, 200, 400, 800, 1600, 3200, 6400]);
    expect(app.responder.socket).toBeNull();
    expect(station.logs.filter((line) => /NTP port 123: not bound after 8 attempts/.test(line))).toHaveLength(1);
    expect(station.logs.filter((line) => /Unable to create socket/.test(line)).length).toBe(8);
    // The next reconnect tries again, and this time the port is free.
    free = true;
    station.link(false, 'BEACON_TIMEOUT');
    station.link(true, '192.168.1.50');
    station.runTimers(100);
    expect(app.responder.socket).not.toBeNull();
  });
});
