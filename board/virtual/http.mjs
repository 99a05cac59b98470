// Espruino's require("http") server side over Node's http: createServer(fn)
// .listen(port), fn(req, res) with req.url/method and res.writeHead/write/end/on('drain').
// The device's port 80 maps to a host port (0: any free one); others to themselves.
import nodeHttp from 'node:http';

/**
 * @param {object} host  httpPort: host port for device port 80; bindAddress; log(text);
 *   guard(fn): wraps a callback so a throw is reported as uncaught, as on the board.
 */
export function createHttp({ httpPort, bindAddress, log, guard }) {
  const servers = new Set();

  function hostPort(devicePort) {
    return devicePort === 80 ? httpPort : devicePort;
  }

  function createServer(handler) {
    if (typeof handler !== 'function') throw new Error('http.createServer: handler must be a function');
    const run = guard(handler);
    const server = nodeHttp.createServer((request, response) => {
      // Espruino gives the firmware plain objects; body strings are bytes (latin1).
      const req = { url: request.url, method: request.method, headers: { ...request.headers } };
      // As Espruino's response: 'drain' once what was written has left and the response is not ended.
      const drainListeners = [];
      let ended = false;
      const drained = () => {
        if (!ended) for (const listener of drainListeners) listener();
      };
      const res = {
        writeHead(status, headers) {
          if (!(Number.isInteger(+status) && +status >= 100 && +status < 600)) throw new Error('writeHead: bad status ' + status);
          response.writeHead(+status, headers && typeof headers === 'object' ? { ...headers } : undefined);
        },
        write(data) {
          response.write(Buffer.from(String(data), 'latin1'), () => setImmediate(drained));
          return false;
        },
        end(data) {
          ended = true;
          response.end(data === undefined ? undefined : Buffer.from(String(data), 'latin1'));
        },
        on(event, listener) {
          if (event !== 'drain' || typeof listener !== 'function') throw new Error('http response: unsupported event ' + event);
          drainListeners.push(guard(listener));
        },
      };
      run(req, res);
      // A handler that threw (or never answers) leaves the connection hanging on the board; here it is closed.
      if (!response.writableEnded) setTimeout(() => { if (!response.writableEnded) response.destroy(); }, 2000).unref();
    });
    servers.add(server);
    server.on('error', (error) => log('http error: ' + error.message));
    return {
      listen(port) {
        const devicePort = +port;
        if (!(devicePort > 0 && devicePort < 65536)) throw new Error('http: bad port ' + port);
        server.listen({ port: hostPort(devicePort), host: bindAddress }, () => {
          log('ready http ' + devicePort + ' -> ' + bindAddress + ':' + server.address().port);
        });
        return this;
      },
      close() {
        server.close();
        servers.delete(server);
      },
    };
  }

  return {
    module: { createServer },
    closeAll() {
      for (const server of servers) {
        server.close();
        server.closeAllConnections();
      }
      servers.clear();
    },
  };
}
