/**
 * Access rules from their text (`allow`/`deny` lines, the console's commands): the subnet parser
 * and adding a rule to a table. Loaded with the code that reads them (boot, the configuration
 * parser, the console); the check itself is serve/access.ts, resident.
 */
import { parseIpv4 } from '../net/ipv4';
import { isDigits } from '../text/parse';
import type { AccessTable } from './access';
import { maskOf, MAX_RULES } from './access';

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

