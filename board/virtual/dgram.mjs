// Espruino's require("dgram") over real Node sockets, with the interpreter's
// rules enforced: payloads are binary strings both ways, send refuses
// anything else, multicast membership only counts before bind, long
// datagrams are cut. Device port 123 maps to a host port.
import nodeDgram from 'node:dgram';

/** Espruino's receive buffer: longer datagrams are cut to this. */
const RECEIVE_LIMIT = 528;

export function createDgram({ ntpPort, bindAddress, log, guard }) {
  const open = new Set();

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

    function nodeSocket() {
      if (!socket) {
        socket = nodeDgram.createSocket({ type: 'udp4', reuseAddr: memberships.length > 0 });
        open.add(socket);
        socket.on('message', (buffer, rinfo) => {
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
        bound = true;
        const devicePort = +port;
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
          // An unbound socket sends from an ephemeral port, as on the device.
          s.bind(0, () => s.setBroadcast(true));
          bound = true;
        }
        s.send(payload, hostPort(+port), address, (error) => {
          if (error) log('udp send to ' + address + ':' + port + ' failed: ' + error.message);
        });
      },
      close() {
        if (socket) {
          open.delete(socket);
          socket.close();
          socket = null;
        }
        for (const handler of handlers.close) handler();
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
    closeAll() {
      for (const socket of open) socket.close();
      open.clear();
    },
  };
}
