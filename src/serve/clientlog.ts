/**
 * A bounded log of recent NTP clients (chronyc `clients`). Fixed capacity,
 * oldest-inserted out; per-client figures in typed arrays. Lookup is one
 * property search in a plain object, done natively by the interpreter.
 */

export interface ClientLog {
  capacity: number;
  /** address → slot */
  slots: { [address: string]: number };
  addresses: string[];
  ntpHits: Uint32Array;
  ntpDrops: Uint32Array;
  /** Cooked time of the last request, seconds. */
  lastSeen: Float64Array;
  /** Exponentially averaged interval between requests, seconds (0 = unknown). */
  averageInterval: Float64Array;
  lastInterval: Float64Array;
  nextSlot: number;
  used: number;
  /** Records pushed out to make room (chronyc's "Client log records dropped"). */
  evicted: number;
}

export function create(capacity: number): ClientLog {
  return {
    capacity: capacity,
    slots: {},
    addresses: [],
    ntpHits: new Uint32Array(capacity),
    ntpDrops: new Uint32Array(capacity),
    lastSeen: new Float64Array(capacity),
    averageInterval: new Float64Array(capacity),
    lastInterval: new Float64Array(capacity),
    nextSlot: 0,
    used: 0,
    evicted: 0,
  };
}

/** The slot of `address`, making one (evicting the oldest) when it is new. */
export function slotOf(log: ClientLog, address: string): number {
  const slot = log.slots[address];
  return slot === undefined ? insert(log, address) : slot;
}

function insert(log: ClientLog, address: string): number {
  const slot = log.nextSlot;
  log.nextSlot = (slot + 1) % log.capacity;
  if (log.used === log.capacity) {
    delete log.slots[log.addresses[slot]];
    log.evicted++;
  } else {
    log.used++;
  }
  log.slots[address] = slot;
  log.addresses[slot] = address;
  log.ntpHits[slot] = 0;
  log.ntpDrops[slot] = 0;
  log.lastSeen[slot] = 0;
  log.averageInterval[slot] = 0;
  log.lastInterval[slot] = 0;
  return slot;
}

/** Records one request at cooked time `now`; returns the client's slot. */
export function record(log: ClientLog, address: string, now: number): number {
  const slot = slotOf(log, address);
  const last = log.lastSeen[slot];
  if (last > 0) {
    const interval = now - last;
    const average = log.averageInterval[slot];
    log.lastInterval[slot] = interval;
    log.averageInterval[slot] = average > 0 ? average + (interval - average) / 4 : interval;
  }
  log.lastSeen[slot] = now;
  log.ntpHits[slot]++;
  return slot;
}

/** Slots in use, most recently seen first. */
export function listSlots(log: ClientLog): number[] {
  const slots: number[] = [];
  for (let slot = 0; slot < log.used; slot++) slots.push(slot);
  slots.sort(function (a, b) { return log.lastSeen[b] - log.lastSeen[a]; });
  return slots;
}
