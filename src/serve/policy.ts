/**
 * The service policy in force: the NTP access table and the rate limit, as
 * the responder and its client log apply them per request. Called at boot
 * and whenever the console changes a rule.
 */
import type { Appliance } from '../appliance';
import * as clientLog from './clientlog';

/** Access rules and rate limits as the responder and its client log apply them. */
export function apply(app: Appliance): void {
  const service = app.responder;
  const log = service.clients;
  log.access = app.ntpAccess;
  clientLog.reclassify(log);
  const limit = app.config.rateLimit;
  log.tokenInterval = limit ? Math.pow(2, limit.intervalLog2) : 0;
  log.tokenBurst = limit ? limit.burst : 0;
  service.leakLog2 = limit ? limit.leakLog2 : -1;
  service.rateKissLog2 = limit ? limit.kodLog2 : -1;
  service.denyKiss = app.config.denyKiss;
}
