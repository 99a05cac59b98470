/**
 * A bounded log of recent NTP clients (chronyc `clients`). It starts small and doubles up to
 * its limit as clients come (as chrony's does), so a board nobody asks yet holds almost none of
 * it; per-client figures, the address included (as a number), in typed arrays over
 * one buffer. Lookup is one property search in a plain object (address → slot),
 * done natively by the interpreter.
 *
 * With rate limiting on, making the table churn must not pay: a record is
 * pushed out only when its token bucket has refilled (so the fresh record its
 * client gets later, with a full burst, gives it nothing it would not have had)
 * and its client is not a regular one on schedule. When no record may go, the
 * newcomer is counted against one shared record with the same limit, so a
 * flood of addresses shares one client's allowance.
 */
import { parseIpv4, toDottedQuad } from '../net/ipv4';
import * as access from './access';
import type { AccessTable } from './access';

export interface ClientLog {
  // The rate limit first: Espruino finds a property by walking them in the order they were made.
  /** Rate limiting: a token bucket per client, refilled one token per `tokenInterval` s up to `tokenBurst` (0: off). */
  tokenInterval: number;
  tokenBurst: number;
  /** Whether the request just recorded found no token. */
  overLimit: boolean;
  /** address → slot */
  slots: { [address: string]: number };
  // Per record, all in one ArrayBuffer:
  /** Cooked time of the last request, seconds. */
  lastSeen: Float64Array;
  tokens: Float64Array;
  /** Exponentially averaged interval between requests, seconds (0 = unknown). */
  averageInterval: Float32Array;
  lastInterval: Float32Array;
  ntpHits: Uint32Array;
  ntpDrops: Uint32Array;
  /** The client's IPv4 address as a number (address() gives the text). */
  ipv4: Uint32Array;
  /** 1 where the client may be served, decided when its record is made (see classify). */
  allowed: Uint8Array;
  /** The NTP access rules the records are classified by (null: every client is served). */
  access: AccessTable | null;
  /** Records allocated now (the arrays hold one more: the shared record, at index `capacity`). */
  capacity: number;
  /** The most records it grows to (`clientloglimit`). */
  limit: number;
  nextSlot: number;
  used: number;
  /** Records pushed out to make room (chronyc's "Client log records dropped"). */
  evicted: number;
  /** Requests counted against the shared record (index `capacity`) because no record could be pushed out. */
  sharedRequests: number;
}

/** Bytes per record: two Float64, two Float32, three Uint32 and one Uint8 figures (in that order, each aligned). */
const RECORD_BYTES = 37;

/** Records a new log starts with. */
const INITIAL_CAPACITY = 4;

export function create(limit: number): ClientLog {
  const log: ClientLog = {
    tokenInterval: 0,
    tokenBurst: 0,
    overLimit: false,
    slots: {},
    // Their places, in the interface's order; allocate() fills them.
    lastSeen: null!,
    tokens: null!,
    averageInterval: null!,
    lastInterval: null!,
    ntpHits: null!,
    ntpDrops: null!,
    ipv4: null!,
    allowed: null!,
    access: null,
    capacity: 0,
    limit: limit,
    nextSlot: 0,
    used: 0,
    evicted: 0,
    sharedRequests: 0,
  };
  allocate(log, limit < INITIAL_CAPACITY ? limit : INITIAL_CAPACITY);
  return log;
}

/**
 * Gives the log `capacity` records, copying those it has (the shared one moves to the new last
 * index). Whoever holds its arrays reads them again (the responder, after its general path).
 */
function allocate(log: ClientLog, capacity: number): void {
  // One more record than the capacity: the shared one, at index `capacity`.
  const records = capacity + 1;
  const buffer = new ArrayBuffer(records * RECORD_BYTES);
  const lastSeen = new Float64Array(buffer, 0, records);
  const tokens = new Float64Array(buffer, records * 8, records);
  const averageInterval = new Float32Array(buffer, records * 16, records);
  const lastInterval = new Float32Array(buffer, records * 20, records);
  const ntpHits = new Uint32Array(buffer, records * 24, records);
  const ntpDrops = new Uint32Array(buffer, records * 28, records);
  const ipv4 = new Uint32Array(buffer, records * 32, records);
  const allowed = new Uint8Array(buffer, records * 36, records);
  // The records it has, and the shared one (none before the first allocation: capacity 0).
  for (let slot = 0; log.capacity > 0 && slot <= log.capacity; slot++) {
    const to = slot === log.capacity ? capacity : slot;
    lastSeen[to] = log.lastSeen[slot];
    tokens[to] = log.tokens[slot];
    averageInterval[to] = log.averageInterval[slot];
    lastInterval[to] = log.lastInterval[slot];
    ntpHits[to] = log.ntpHits[slot];
    ntpDrops[to] = log.ntpDrops[slot];
    ipv4[to] = log.ipv4[slot];
    allowed[to] = log.allowed[slot];
  }
  log.lastSeen = lastSeen;
  log.tokens = tokens;
  log.averageInterval = averageInterval;
  log.lastInterval = lastInterval;
  log.ntpHits = ntpHits;
  log.ntpDrops = ntpDrops;
  log.ipv4 = ipv4;
  log.allowed = allowed;
  log.capacity = capacity;
}

/** The address of a record's client, as dotted-quad text. */
export function address(log: ClientLog, slot: number): string {
  return toDottedQuad(log.ipv4[slot]);
}

/** Access rules changed: decide again for every client already in the log. */
export function reclassify(log: ClientLog): void {
  for (let slot = 0; slot < log.used; slot++) log.allowed[slot] = classify(log, address(log, slot)) ? 1 : 0;
}

/** Whether the access rules let `address` be served. */
function classify(log: ClientLog, address: string): boolean {
  return log.access === null || access.isAllowedAddress(log.access, address);
}

/** True when `address` has a record of its own (it has asked before and was not pushed out since). */
export function isKnown(log: ClientLog, address: string): boolean {
  return log.slots[address] !== undefined;
}

/** The slot of `address` at cooked time `now`, making one when it is new (or the shared one when none may be made). */
export function slotOf(log: ClientLog, address: string, now: number): number {
  const slot = log.slots[address];
  return slot === undefined ? insert(log, address, now) : slot;
}

/** How many records a full log looks at to choose the one to push out. */
const EVICTION_CANDIDATES = 8;
/** A client with this many requests, asking again within twice its average interval, is a regular one. */
const REGULAR_HITS = 3;

/**
 * Whether a record must stay (rate limiting on): its bucket has not refilled,
 * so its client is being limited and a fresh record would reset that; or its
 * client is a regular one on schedule, which a flood of new addresses must not
 * push into the shared record.
 */
function isProtected(log: ClientLog, slot: number, now: number): boolean {
  if (log.tokenInterval <= 0) return false;
  const idle = now - log.lastSeen[slot];
  if (log.tokens[slot] + idle / log.tokenInterval < log.tokenBurst) return true;
  return log.ntpHits[slot] >= REGULAR_HITS && idle < 2 * log.averageInterval[slot];
}

/**
 * A full log pushes out the least recently seen of the next few records that
 * may go, so a client that keeps asking keeps its record (and its rate limit)
 * while a stream of one-off addresses recycles the rest. When none of them may
 * go, the newcomer gets the shared record, classified afresh for each request.
 */
function insert(log: ClientLog, address: string, now: number): number {
  const ipv4 = parseIpv4(address);
  if (ipv4 < 0) return shared(log, address);
  if (log.used === log.capacity && log.capacity < log.limit) {
    allocate(log, log.capacity * 2 < log.limit ? log.capacity * 2 : log.limit);
    log.nextSlot = log.used;
  }
  let slot = log.nextSlot;
  if (log.used === log.capacity) {
    slot = -1;
    for (let i = 0; i < EVICTION_CANDIDATES; i++) {
      const candidate = (log.nextSlot + i) % log.capacity;
      if (!isProtected(log, candidate, now) && (slot < 0 || log.lastSeen[candidate] < log.lastSeen[slot])) slot = candidate;
    }
    if (slot < 0) {
      // Look at the next few records next time.
      log.nextSlot = (log.nextSlot + EVICTION_CANDIDATES) % log.capacity;
      return shared(log, address);
    }
    delete log.slots[toDottedQuad(log.ipv4[slot])];
    log.evicted++;
  } else {
    log.used++;
  }
  log.nextSlot = (log.nextSlot + 1) % log.capacity;
  log.slots[address] = slot;
  log.ipv4[slot] = ipv4;
  log.ntpHits[slot] = 0;
  log.ntpDrops[slot] = 0;
  log.lastSeen[slot] = 0;
  log.averageInterval[slot] = 0;
  log.lastInterval[slot] = 0;
  log.allowed[slot] = classify(log, address) ? 1 : 0;
  log.tokens[slot] = log.tokenBurst;
  return slot;
}

/**
 * The shared record, for a newcomer no record could be made for (nor one for an address
 * that is not a dotted quad, which Espruino's dgram never gives), classified afresh.
 */
function shared(log: ClientLog, address: string): number {
  log.sharedRequests++;
  if (log.lastSeen[log.capacity] === 0) log.tokens[log.capacity] = log.tokenBurst;
  log.allowed[log.capacity] = classify(log, address) ? 1 : 0;
  return log.capacity;
}

/**
 * Records one request at cooked time `now`; returns the client's slot. With
 * rate limiting on, it also takes a token, or sets overLimit when there is none.
 */
export function record(log: ClientLog, address: string, now: number): number {
  const slot = slotOf(log, address, now);
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
  } else {
    log.overLimit = false;
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
