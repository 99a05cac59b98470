/**
 * A bounded log of fixed-size numeric records, as chrony's `log measurements tracking`
 * writes lines to disk: the newest records, the oldest dropped first. Numbers, not text:
 * a record is a few 4-byte words in one buffer (viewed as Uint32 and Float32), allocated
 * with the first record, so a log takes a fixed ~50 JsVars however long the board runs,
 * where 20 lines of text took ~240. Lines are written when the log is read (logtext.ts).
 */

export interface RecordLog {
  /** The same buffer as whole numbers and as float32 figures (null before the first record). */
  words: Uint32Array;
  figures: Float32Array;
  capacity: number;
  recordWords: number;
  /** Record written last (-1: none yet). */
  newest: number;
  count: number;
  /** Records dropped because the log was full. */
  dropped: number;
}

export function create(capacity: number, recordWords: number): RecordLog {
  return { words: null!, figures: null!, capacity: capacity, recordWords: recordWords, newest: -1, count: 0, dropped: 0 };
}

/** Makes room for a new record and returns the index of its first word. */
export function add(log: RecordLog): number {
  if (log.words === null) {
    const buffer = new ArrayBuffer(log.capacity * log.recordWords * 4);
    log.words = new Uint32Array(buffer);
    log.figures = new Float32Array(buffer);
  }
  log.newest = (log.newest + 1) % log.capacity;
  if (log.count < log.capacity) log.count++;
  else log.dropped++;
  return log.newest * log.recordWords;
}

/** The first word of the i-th oldest record (0 ≤ i < count). */
export function recordAt(log: RecordLog, i: number): number {
  return (log.newest - log.count + 1 + i + log.capacity) % log.capacity * log.recordWords;
}
