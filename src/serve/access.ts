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
import { isDigits } from '../text/parse';
import { parseIpv4 } from '../ntp/refid';

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

/** Prefix lengths are plain decimal 0..32 without sign, exponent, fraction or leading zero ("/08" is refused). */
function isPrefixLength(text: string): boolean {
  return isDigits(text, 1, 2) && !(text.length === 2 && text.charAt(0) === '0');
}

/**
 * Parses chrony's subnet forms: "" (everything), "A.B.C.D", "A.B.C.D/N",
 * and the shortened "A", "A.B", "A.B.C" (which mean /8, /16, /24).
 * Returns [network, bits] or null.
 */
export function parseSubnet(text: string): number[] | null {
  if (text === '') return [0, 0];
  const slash = text.indexOf('/');
  let addressText = slash < 0 ? text : text.substring(0, slash);
  let bits = 32;
  const parts = addressText.split('.').length;
  if (parts < 4) {
    bits = parts * 8;
    while (addressText.split('.').length < 4) addressText += '.0';
  }
  const address = parseIpv4(addressText);
  if (address < 0) return null;
  if (slash >= 0) {
    const bitsText = text.substring(slash + 1);
    if (!isPrefixLength(bitsText)) return null;
    bits = +bitsText;
    if (bits > 32) return null;
  }
  return [maskOf(address, bits), bits];
}

/** The top `bits` bits of `address`, as an unsigned number. */
function maskOf(address: number, bits: number): number {
  if (bits === 0) return 0;
  const hostBits = Math.pow(2, 32 - bits);
  return Math.floor(address / hostBits) * hostBits;
}

/** Adds a rule; returns null, or why it was refused (a one-line error). */
export function addRule(table: AccessTable, allow: boolean, all: boolean, subnetText: string): string | null {
  const subnet = parseSubnet(subnetText);
  if (subnet === null) return 'Could not parse address "' + subnetText + '"';
  if (table.networks.length >= MAX_RULES) return 'Too many access rules (at most ' + MAX_RULES + ')';
  table.networks.push(subnet[0]);
  table.bits.push(subnet[1]);
  table.allow.push(allow);
  table.all.push(all);
  if (allow) table.narrowed = true;
  return null;
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
