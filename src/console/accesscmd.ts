/**
 * Console access control (command group ntpd-cmd-access: chronyc's
 * allow/deny/cmdallow/cmddeny and accheck/cmdaccheck): rules added at run time
 * go after those of the configuration, exactly as if appended to it, and apply
 * to the next request.
 */
import type { Appliance } from '../appliance';
import { parseAccess } from '../config/parse';
import { parseIpv4 } from '../net/ipv4';
import * as access from '../serve/access';
import * as accessRules from '../serve/accessrules';
import * as policy from '../serve/policy';
import type { Output } from './commands';

/** `allow|deny|cmdallow|cmddeny [all] [SUBNET]` */
function rule(app: Appliance, allow: boolean, command: boolean, args: string[]): string {
  const directive = parseAccess(allow, args);
  if (typeof directive === 'string') return 'Could not read address: ' + directive + '\n';
  const error = accessRules.addRule(command ? app.cmdAccess : app.ntpAccess, allow, directive.all, directive.subnet);
  if (error !== null) return error + '\n';
  if (!command) policy.apply(app);
  return '200 OK\n';
}

/** `accheck ADDRESS` / `cmdaccheck ADDRESS` */
function check(app: Appliance, command: boolean, args: string[]): string | null {
  if (args.length !== 1) return null;
  const address = parseIpv4(args[0]);
  if (address < 0) return 'Could not read address\n';
  return access.isAllowed(command ? app.cmdAccess : app.ntpAccess, address) ? '208 Access allowed\n' : '209 Access denied\n';
}

/** Runs one of this group's commands (commands.ts, Group). */
export function run(app: Appliance, name: string, args: string[]): Output {
  const command = name.indexOf('cmd') === 0;
  if (name === 'accheck' || name === 'cmdaccheck') return check(app, command, args);
  return rule(app, name === 'allow' || name === 'cmdallow', command, args);
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'allow [all] [<subnet>]\tAllow NTP access to a subnet\n' +
    'deny [all] [<subnet>]\tDeny NTP access to a subnet\n' +
    'cmdallow [all] [<subnet>]\tAllow mode-6 queries from a subnet\n' +
    'cmddeny [all] [<subnet>]\tDeny mode-6 queries from a subnet\n' +
    'accheck <address>\tCheck whether NTP access is allowed\n' +
    'cmdaccheck <address>\tCheck whether mode-6 access is allowed\n';
}
