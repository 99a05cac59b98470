/**
 * IPv4 addresses as text and as numbers (dotted quads, as inet_pton and inet_ntop see them).
 * Resident: the board checks DNS answers with it.
 */

/** IPv4 dotted quad → uint32, or -1 if it is not one. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const part = parts[i];
    // Leading zeros are refused, as inet_pton does: "010" is octal to some parsers.
    if (part.length < 1 || part.length > 3 || (part.length > 1 && part.charCodeAt(0) === 48)) return -1;
    let octet = 0;
    for (let j = 0; j < part.length; j++) {
      const digit = part.charCodeAt(j) - 48;
      if (digit < 0 || digit > 9) return -1;
      octet = octet * 10 + digit;
    }
    if (octet > 255) return -1;
    value = value * 256 + octet;
  }
  return value;
}

/** Dotted quad of an IPv4 address held as a number (a reference id may hold one). */
export function toDottedQuad(referenceId: number): string {
  return (referenceId >>> 24) + '.' + ((referenceId >>> 16) & 255) + '.' + ((referenceId >>> 8) & 255) + '.' + (referenceId & 255);
}
