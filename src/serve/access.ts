/**
 * Access control with chrony's semantics (allow/deny [all] [SUBNET]): the most
 * specific matching subnet decides; for the same subnet the later directive
 * wins; an `all` directive also overrides every more specific rule given
 * before it. One table serves NTP, another mode-6 queries (cmdallow/cmddeny).
 *
 * What no rule matches is served until an allow rule narrows the table, as
 * ntpd's `restrict` lines work: with no rules, or with only deny rules, the
 * board serves everyone the deny rules do not name (`deny 203.0.113.0/24`
 * means that subnet, not the whole world); once an allow rule is given, what
 * no rule allows is denied, as in chrony. `deny all` (or a bare `deny`) still
 * denies everyone: it matches every address.
 */
import { parseIpv4 } from '../net/ipv4';

/** Rules are kept in a bounded list, oldest first. */
export const MAX_RULES = 32;

export interface AccessTable {
  networks: number[];
  bits: number[];
  allow: boolean[];
  all: boolean[];
  /** Whether any rule allows: then an address no rule matches is denied. */
  narrowed: boolean;
}

export function create(): AccessTable {
  return { networks: [], bits: [], allow: [], all: [], narrowed: false };
}

/** The top `bits` bits of `address`, as an unsigned number. */
export function maskOf(address: number, bits: number): number {
  if (bits === 0) return 0;
  const hostBits = Math.pow(2, 32 - bits);
  return Math.floor(address / hostBits) * hostBits;
}

export function isAllowed(table: AccessTable, address: number): boolean {
  const count = table.networks.length;
  let decided = !table.narrowed;
  let decidedBits = -1;
  for (let i = 0; i < count; i++) {
    const bits = table.bits[i];
    if (maskOf(address, bits) !== table.networks[i]) continue;
    if (table.all[i] || bits >= decidedBits) {
      decided = table.allow[i];
      decidedBits = bits;
    }
  }
  return decided;
}

/** For dotted-quad text (anything else is denied). */
export function isAllowedAddress(table: AccessTable, address: string): boolean {
  const value = parseIpv4(address);
  return value >= 0 && isAllowed(table, value);
}
