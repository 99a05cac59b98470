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
  /** 1 where the client may be served, decided when its record is made (see classify). */
  allowed: Uint8Array;
  classify: (address: string) => boolean;
  /** Rate limiting: a token bucket per client, refilled one token per `tokenInterval` s up to `tokenBurst` (0: off). */
  tokens: Float64Array;
  tokenInterval: number;
  tokenBurst: number;
  /** Whether the request just recorded found no token. */
  overLimit: boolean;
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
    allowed: new Uint8Array(capacity),
    classify: function () {
      return true;
    },
    tokens: new Float64Array(capacity),
    tokenInterval: 0,
    tokenBurst: 0,
    overLimit: false,
  };
}

/** Access rules changed: decide again for every client already in the log. */
export function reclassify(log: ClientLog): void {
  for (let slot = 0; slot < log.used; slot++) log.allowed[slot] = log.classify(log.addresses[slot]) ? 1 : 0;
}

/** The slot of `address`, making one (evicting the oldest) when it is new. */
export function slotOf(log: ClientLog, address: string): number {
  const slot = log.slots[address];
  return slot === undefined ? insert(log, address) : slot;
}

/** How many records a full log looks at to choose the one to push out. */
const EVICTION_CANDIDATES = 8;

/**
 * A full log pushes out the least recently seen of the next few records, so a
 * client that keeps asking keeps its record (and its rate limit) while a
 * stream of one-off addresses recycles the rest.
 */
function insert(log: ClientLog, address: string): number {
  let slot = log.nextSlot;
  if (log.used === log.capacity) {
    for (let i = 1; i < EVICTION_CANDIDATES; i++) {
      const candidate = (log.nextSlot + i) % log.capacity;
      if (log.lastSeen[candidate] < log.lastSeen[slot]) slot = candidate;
    }
    delete log.slots[log.addresses[slot]];
    log.evicted++;
  } else {
    log.used++;
  }
  log.nextSlot = (log.nextSlot + 1) % log.capacity;
  log.slots[address] = slot;
  log.addresses[slot] = address;
  log.ntpHits[slot] = 0;
  log.ntpDrops[slot] = 0;
  log.lastSeen[slot] = 0;
  log.averageInterval[slot] = 0;
  log.lastInterval[slot] = 0;
  log.allowed[slot] = log.classify(address) ? 1 : 0;
  log.tokens[slot] = log.tokenBurst;
  return slot;
}

/**
 * Records one request at cooked time `now`; returns the client's slot. With
 * rate limiting on, it also takes a token, or sets overLimit when there is none.
 */
export function record(log: ClientLog, address: string, now: number): number {
  const slot = slotOf(log, address);
  const last = log.lastSeen[slot];
  if (last > 0) {
    const interval = now - last;
    const average = log.averageInterval[slot];
    log.lastInterval[slot] = interval;
    log.averageInterval[slot] = average > 0 ? average + (interval - average) / 4 : interval;
    if (log.tokenInterval > 0) {
      let tokens = log.tokens[slot] + (interval > 0 ? interval : 0) / log.tokenInterval;
      if (tokens > log.tokenBurst) tokens = log.tokenBurst;
      log.tokens[slot] = tokens;
    }
  }
  if (log.tokenInterval > 0) {
    const tokens = log.tokens[slot];
    log.overLimit = tokens < 1;
    if (tokens >= 1) log.tokens[slot] = tokens - 1;
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
