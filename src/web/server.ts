/**
 * The status page's HTTP service: listens on `httpport` and hands each request
 * to web/pages.ts, loaded for it (the board lets go of it after; src/modules.ts).
 */
import type { Appliance } from '../appliance';
import { load, Module } from '../modules';

/** Starts the service on `httpport` (80 by default; 0: none). */
export function start(app: Appliance): void {
  const port = app.config.httpPort;
  const platform = app.platform;
  if (port === 0) return;
  platform.services().httpServe(port, function (method, url) {
    return load(platform, Module.Web).handle(app, method, url);
  }, function (message) {
    platform.log('HTTP port ' + port + ': ' + message);
  });
}
