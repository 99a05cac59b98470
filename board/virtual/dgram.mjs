// Espruino's require("dgram") over real Node sockets, with the interpreter's
// rules enforced: payloads are binary strings both ways, send refuses
// anything else, multicast membership only counts before bind, long
// datagrams are cut, only a never-bound socket may broadcast and it hears
// nothing before its first send. Device port 123 maps to a host port. The Wi-Fi link is
// modelled as lwIP on ESP32 may behave: nothing passes while it is down, and a
// socket bound before a drop (or while the link was down) stays dead after it
// comes back, so the firmware must bind again.
import nodeDgram from 'node:dgram';

/** Espruino's receive buffer: longer datagrams are cut to this. */
const RECEIVE_LIMIT = 528;

export function createDgram({ ntpPort, bindAddress, log, guard, linkUp = true }) {
  const open = new Set();
  /**
   * Device ports held by a socket, until its close has taken effect. Espruino's close() only
   * marks the socket; the idle loop closes it later, so binding the same port again at once
   * fails there ("Socket bind failed", then bind throws "Unable to create socket").
   */
  const portsHeld = new Set();
  /** `epoch` counts link drops; a socket works only in the epoch it was bound in. */
  const link = { up: linkUp, epoch: 0 };

  function hostPort(devicePort) {
    return devicePort === 123 ? ntpPort : devicePort;
  }

  function toBytes(data) {
    if (typeof data !== 'string') {
      throw new TypeError('dgram.send: data must be a String (Espruino sends a typed array as its text, e.g. "3,0,255")');
    }
    for (let i = 0; i < data.length; i++) {
      if (data.charCodeAt(i) > 255) throw new RangeError('dgram.send: character code above 255 at ' + i + ' (binary strings only)');
    }
    return Buffer.from(data, 'latin1');
  }

  function createSocket(type) {
    if (type !== 'udp4') throw new Error('dgram: only udp4 is supported');
    const handlers = { message: [], error: [], close: [] };
    const memberships = [];
    let socket = null;
    let bound = false;
    let epoch = -1;
    let reportedDead = false;
    let heldPort = 0;

    function alive() {
      if (link.up && epoch === link.epoch) return true;
      if (link.up && !reportedDead) {
        reportedDead = true;
        log('udp socket bound before the link went down (or while it was down) is dead: bind a new one');
      }
      return false;
    }

    function nodeSocket() {
      if (!socket) {
        socket = nodeDgram.createSocket({ type: 'udp4', reuseAddr: memberships.length > 0 });
        open.add(socket);
        socket.on('message', (buffer, rinfo) => {
          if (!alive()) return;
          const msg = buffer.subarray(0, RECEIVE_LIMIT).toString('latin1');
          const info = { address: rinfo.address, port: rinfo.port, size: rinfo.size };
          for (const handler of handlers.message) handler(msg, info);
        });
        socket.on('error', (error) => {
          log('udp error: ' + error.message);
          for (const handler of handlers.error) handler(error.message);
        });
      }
      return socket;
    }

    const api = {
      bind(port, callback) {
        if (bound) throw new Error('dgram: socket already bound');
        const devicePort = +port;
        if (devicePort !== 0 && portsHeld.has(devicePort)) {
          log('ERROR: Socket bind failed (device port ' + devicePort + ' is still held)');
          const error = new Error('Unable to create socket');
          error.name = 'InternalError';
          throw error;
        }
        if (devicePort !== 0) portsHeld.add(devicePort);
        heldPort = devicePort;
        bound = true;
        epoch = link.up ? link.epoch : -1;
        const host = hostPort(devicePort);
        const address = memberships.length > 0 ? undefined : bindAddress;
        const s = nodeSocket();
        s.bind({ port: host, address }, () => {
          for (const group of memberships) {
            try {
              s.addMembership(group.group, group.iface);
            } catch (error) {
              log('addMembership ' + group.group + ' failed: ' + error.message);
            }
          }
          log('ready udp ' + devicePort + ' -> ' + (address ?? '0.0.0.0') + ':' + s.address().port);
          if (callback) guard(callback)();
        });
        return api;
      },
      on(event, handler) {
        if (handlers[event]) handlers[event].push(guard(handler));
        return api;
      },
      send(data, a, b, c, d) {
        const bytes = toBytes(data);
        // send(str, port, address) or send(str, offset, length, port, address)
        const [payload, port, address] = d === undefined ? [bytes, a, b] : [bytes.subarray(a, a + b), c, d];
        const s = nodeSocket();
        if (!bound) {
          // An unbound socket sends from an ephemeral port, as on the device, and from its first send on
          // its 'message' handlers get what arrives on that port (Espruino polls it as a client connection).
          // Only such a socket may broadcast (SO_BROADCAST); a bound one's broadcasts are refused by the kernel.
          s.bind({ port: 0, address: bindAddress }, () => s.setBroadcast(true));
          bound = true;
          epoch = link.up ? link.epoch : -1;
        }
        if (!alive()) return;
        s.send(payload, hostPort(+port), address, (error) => {
          if (error) log('udp send to ' + address + ':' + port + ' failed: ' + error.message);
        });
      },
      close() {
        // Carried out after the current event, as Espruino's idle loop does.
        const closing = socket;
        const port = heldPort;
        socket = null;
        heldPort = 0;
        setImmediate(() => {
          if (closing) {
            open.delete(closing);
            closing.close();
          }
          if (port !== 0) portsHeld.delete(port);
          for (const handler of handlers.close) handler();
        });
      },
      addMembership(group, iface) {
        if (bound) {
          throw new Error('dgram.addMembership after bind: Espruino only receives multicast when membership is set before bind');
        }
        memberships.push({ group: String(group), iface: iface === undefined ? undefined : String(iface) });
      },
    };
    return api;
  }

  return {
    createSocket,
    /** The Wi-Fi link went up or down. */
    setLink(up) {
      if (link.up && !up) link.epoch++;
      link.up = up;
    },
    closeAll() {
      for (const socket of open) socket.close();
      open.clear();
      portsHeld.clear();
    },
  };
}
