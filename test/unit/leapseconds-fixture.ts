// A leap-seconds.list as the IETF publishes it, for the list's unit tests and the simulator's.
/** The list's tail as IETF publishes it (tabs, #$ update, #@ expiry, #h hash). */
export const IETF_TAIL = [
  '#\tUpdated through IERS Bulletin C',
  '#$\t 3929093563',
  '#@\t 3960057600',
  '3124137600\t32\t# 1 Jan 1999',
  '3345062400\t33\t# 1 Jan 2006',
  '3439756800\t34\t# 1 Jan 2009',
  '3550089600\t35\t# 1 Jul 2012',
  '3644697600\t36\t# 1 Jul 2015',
  '3692217600\t37\t# 1 Jan 2017',
  '#h\t16edd0f0 3666784f 37db6bdd e74ced87 59af48f1',
  '',
].join('\n');
