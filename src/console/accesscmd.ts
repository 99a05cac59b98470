/**
 * Console access control (chronyc's allow/deny/cmdallow/cmddeny and
 * accheck/cmdaccheck): rules added at run time go after those of the
 * configuration, exactly as if appended to it, and apply to the next request.
 */
import type { Appliance } from '../appliance';
import { parseAccess } from '../config/parse';
import { parseIpv4 } from '../ntp/refid';
import * as access from '../serve/access';
import * as policy from '../serve/policy';

const OK = '200 OK\n';

/** `allow|deny|cmdallow|cmddeny [all] [SUBNET]` */
export function rule(allow: boolean, command: boolean): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    const directive = parseAccess(allow, args);
    if (typeof directive === 'string') return 'Could not read address: ' + directive + '\n';
    const error = access.addRule(command ? app.cmdAccess : app.ntpAccess, allow, directive.all, directive.subnet);
    if (error !== null) return error + '\n';
    if (!command) policy.apply(app);
    return OK;
  };
}

/** `accheck ADDRESS` / `cmdaccheck ADDRESS` */
export function check(command: boolean): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    if (args.length !== 1) return null;
    const address = parseIpv4(args[0]);
    if (address < 0) return 'Could not read address\n';
    return access.isAllowed(command ? app.cmdAccess : app.ntpAccess, address) ? '208 Access allowed\n' : '209 Access denied\n';
  };
}
