/**
 * The status page's routes: a handful of GETs over the appliance's state.
 * The page itself is the Storage file status.html (kept out of the code); it
 * draws its chart from /history in the browser. Loaded on demand for each
 * request (web/server.ts listens); /status, /sources and the logs load their own code,
 * so each request carries only what its answer needs.
 */
import type { Appliance } from '../appliance';
import type { HttpReply } from '../platform';
import { load, Module } from '../modules';
import * as history from '../stats/history';

/** The page, as the build writes it next to the bundle and the flash script uploads it. */
export const PAGE_FILE = 'status.html';
const TEXT = 'text/plain; charset=utf-8';

function reply(status: number, contentType: string, body: string): HttpReply {
  return { status: status, contentType: contentType, body: body };
}

/** The body of a route, or null when the path is not one. */
function route(app: Appliance, path: string): HttpReply | null {
  const statistics = app.statistics;
  if (path === '/' || path === '/index.html') {
    const page = app.platform.services().storageRead(PAGE_FILE);
    return page === undefined ? reply(404, TEXT, 'No ' + PAGE_FILE + ' in Storage: flash it with the firmware (npm run flash).\n') :
      reply(200, 'text/html; charset=utf-8', page);
  }
  if (path === '/status') return reply(200, 'application/json', load(app.platform, Module.WebStatus).statusJson(app));
  if (path === '/sources') return reply(200, TEXT, load(app.platform, Module.WebSources).sourcesText(app));
  if (path === '/history') return reply(200, 'text/csv', history.toCsv(statistics.history));
  if (path === '/log/measurements' || path === '/log/tracking') return reply(200, TEXT, load(app.platform, Module.LogText).logText(statistics, path.substring(5), -1) as string);
  return null;
}

/** Answers one request: 404 for an unknown path, 405 for anything but GET, 500 (logged) if building the answer failed. */
export function handle(app: Appliance, method: string, url: string): HttpReply {
  const text = typeof url === 'string' ? url : '';
  const query = text.indexOf('?');
  const path = query < 0 ? text : text.substring(0, query);
  try {
    const found = route(app, path);
    if (found === null) return reply(404, TEXT, 'Not found\n');
    if (method !== 'GET') return reply(405, TEXT, 'Only GET\n');
    return found;
  } catch (error) {
    app.platform.log('HTTP ' + path + ': ' + error);
    return reply(500, TEXT, 'Internal error\n');
  }
}
