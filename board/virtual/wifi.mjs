// Espruino's require("Wifi") on ESP32, as a station simulation: connect
// joins after a short delay if the credentials match the access point the
// virtual board was given (any credentials, when it was given none), the
// address is the host's, and scripted outages drop the link. What the ESP32
// port does is kept, quirks included: no reconnection of its own after a
// drop, 'connected' only once there is an address, a failed connect reported
// by a 'disconnected' event and then the callback, getStatus().station either
// "connected" or the last disconnect reason, setIP throwing without a callback
// and answering "Failure" on success.

/** From handshake to address, as a home access point with DHCP takes (shortened). */
export const CONNECT_DELAY_MS = 400;
/** ESP-IDF's reason codes, as Espruino passes them (a string) with their names. */
const REASONS = { BEACON_TIMEOUT: '200', NO_AP_FOUND: '201', AUTH_FAIL: '202' };

/**
 * @param {object} options
 *   ssid, password: the access point (undefined: any credentials join, and the
 *   board boots connected, as with credentials saved by Wifi.save());
 *   address: what getIP reports (the host address the sockets bind);
 *   outages: [{ start, length }] in seconds after boot; log(text); guard(fn);
 *   onLink(up): the link went up or down (the sandbox's sockets follow it).
 */
export function createWifi({ ssid, password, address, outages = [], flaps = null, log, guard, onLink }) {
  const handlers = { connected: [], disconnected: [], associated: [] };
  const hostTimers = new Set();
  const apKnown = ssid !== undefined;
  const station = {
    connected: !apKnown,
    reason: 'off',
    ssid: apKnown ? '' : '(saved)',
    password: '',
    hostname: 'espruino',
    staticIp: null,
    inOutage: false,
    pending: null,
  };

  function later(ms, fn) {
    const timer = setTimeout(() => {
      hostTimers.delete(timer);
      fn();
    }, ms);
    hostTimers.add(timer);
    return timer;
  }

  function emit(event, details) {
    for (const handler of handlers[event]) handler(details);
  }

  function ipInfo() {
    if (!station.connected) return { mac: '24:0a:c4:00:00:01' };
    const ip = station.staticIp ?? { ip: address, netmask: '255.255.255.0', gw: address };
    return { ip: ip.ip, netmask: ip.netmask, gw: ip.gw, mac: '24:0a:c4:00:00:01' };
  }

  function drop(reason) {
    if (!station.connected) return;
    station.connected = false;
    station.reason = reason;
    onLink(false);
    log(`wifi: link down (${reason})`);
    emit('disconnected', { ssid: station.ssid, mac: '00:00:00:00:00:00', reason: REASONS[reason], msg: reason });
  }

  for (const { start, length } of outages) {
    later(start * 1000, () => {
      station.inOutage = true;
      log(`wifi: access point gone for ${length} s`);
      drop('BEACON_TIMEOUT');
    });
    later((start + length) * 1000, () => {
      station.inOutage = false;
      log('wifi: access point back');
    });
  }

  // A flapping link: down and back every `everyMs`, `count` times, the station rejoining by
  // itself each time ('disconnected' then 'connected'), as an access point that keeps rebooting.
  if (flaps) {
    let left = flaps.count;
    const flap = () => {
      if (left-- <= 0) return;
      drop('BEACON_TIMEOUT');
      later(flaps.everyMs / 2, () => {
        station.connected = true;
        station.reason = 'connected';
        onLink(true);
        const info = ipInfo();
        emit('connected', { ip: info.ip, netmask: info.netmask, gw: info.gw });
        later(flaps.everyMs / 2, flap);
      });
    };
    later(flaps.startMs, flap);
  }

  const api = {
    connect(newSsid, options, callback) {
      if (typeof newSsid !== 'string') throw new Error('No SSID provided');
      if (options !== undefined && (options === null || typeof options !== 'object')) throw new Error('Expecting Object, got ' + typeof options);
      if (callback !== undefined && typeof callback !== 'function') throw new Error('Expecting callback function but got ' + typeof callback);
      const newPassword = options && options.password !== undefined ? options.password : '';
      if (typeof newPassword !== 'string') throw new Error('Expecting options.password to be a string but got ' + typeof newPassword);
      const done = callback ? guard(callback) : () => {};
      if (station.connected && station.ssid === newSsid && station.password === newPassword) {
        later(0, () => done(null));
        return;
      }
      // Re-joining drops the old association quietly (the ESP32 port retries inside, with no event).
      if (station.connected) {
        station.connected = false;
        onLink(false);
      }
      station.ssid = newSsid;
      station.password = newPassword;
      if (station.pending) clearTimeout(station.pending);
      station.pending = later(CONNECT_DELAY_MS, () => {
        station.pending = null;
        let reason = null;
        if (station.inOutage || (apKnown && newSsid !== ssid)) reason = 'NO_AP_FOUND';
        else if (apKnown && newPassword !== password) reason = 'AUTH_FAIL';
        if (reason !== null) {
          station.reason = reason;
          log(`wifi: connect to "${newSsid}" failed: ${reason === 'AUTH_FAIL' ? 'wrong password' : 'no such access point'}`);
          emit('disconnected', { ssid: newSsid, mac: '00:00:00:00:00:00', reason: REASONS[reason], msg: reason });
          done(reason);
          return;
        }
        station.connected = true;
        onLink(true);
        const info = ipInfo();
        log(`wifi: connected to "${newSsid}" as ${info.ip} (${station.staticIp ? 'static' : 'DHCP'}), hostname ${station.hostname}`);
        emit('associated', { ssid: newSsid, mac: '00:00:00:00:00:00', channel: '6' });
        done(null);
        emit('connected', { ip: info.ip, netmask: info.netmask, gw: info.gw });
      });
    },
    disconnect(callback) {
      drop('ASSOC_LEAVE');
      if (typeof callback === 'function') later(0, guard(callback));
    },
    getIP(callback) {
      const info = ipInfo();
      if (typeof callback === 'function') later(0, () => guard(callback)(null, info));
      return info;
    },
    getStatus(callback) {
      const status = { station: station.connected ? 'connected' : station.reason, mode: station.connected ? 'STA' : 'NULL', powersave: 'none' };
      if (typeof callback === 'function') later(0, () => guard(callback)(status));
      return status;
    },
    setIP(settings, callback) {
      if (settings === null || typeof settings !== 'object') throw new Error('Expecting Object, got ' + typeof settings);
      for (const key of ['ip', 'gw', 'netmask']) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(String(settings[key])) || settings[key] === '0.0.0.0') throw new Error(`Not a valid ${key}`);
      }
      if (typeof callback !== 'function') throw new Error('Callback is not a function');
      station.staticIp = { ip: settings.ip, netmask: settings.netmask, gw: settings.gw };
      // ESP32's setIP answers "Failure" when it worked (its test is inverted).
      later(0, () => guard(callback)('Failure'));
    },
    setHostname(name) {
      station.hostname = String(name);
    },
    getHostname(callback) {
      if (typeof callback === 'function') later(0, () => guard(callback)(station.hostname));
      return station.hostname;
    },
    on(event, handler) {
      if (handlers[event]) handlers[event].push(guard(handler));
    },
    save() {},
  };
  return {
    api,
    close() {
      for (const timer of hostTimers) clearTimeout(timer);
      hostTimers.clear();
    },
  };
}
