// Executed-characters estimate from V8 precise block coverage (NODE_V8_COVERAGE).
//
// A coverage file is { result: [ { scriptId, url, functions: [ { functionName,
// isBlockCoverage, ranges: [ { startOffset, endOffset, count } ] } ] } ] }.
// Ranges are half-open [startOffset, endOffset) character offsets into the script
// source. Within a function the first range spans the whole function and later
// (block) ranges, nested inside it, override it; functions nest inside their
// enclosing functions the same way. The execution count of a character is the
// count of the innermost range that contains it. Summing it over every character
// gives "source characters executed", a proxy for the work of an interpreter that
// re-lexes the text of every body it runs.

import fs from 'node:fs';
import path from 'node:path';

/**
 * Per-character counts of the innermost containing range.
 * @param {Array<{ranges: Array<{startOffset:number,endOffset:number,count:number}>}>} functions
 * @param {number} [length] source length; defaults to the largest endOffset
 * @returns {Float64Array} counts[i] for character i (0 where no range covers it)
 */
export function innermostCounts(functions, length) {
  const ranges = [];
  let maxEnd = 0;
  let seq = 0;
  for (const fn of functions) {
    for (const r of fn.ranges) {
      if (!(r.endOffset > r.startOffset)) { seq++; continue; }
      ranges.push({ s: r.startOffset, e: r.endOffset, c: r.count, q: seq++ });
      if (r.endOffset > maxEnd) maxEnd = r.endOffset;
    }
  }
  const n = length ?? maxEnd;
  // Outer before inner: larger spans first; for identical spans the one listed
  // later (a block range after its function range, an inner function after its
  // parent) is the inner one. Painting in this order leaves the innermost count.
  ranges.sort((a, b) => (b.e - b.s) - (a.e - a.s) || a.q - b.q);
  const counts = new Float64Array(n);
  for (const r of ranges) {
    const end = Math.min(r.e, n);
    for (let i = Math.max(0, r.s); i < end; i++) counts[i] = r.c;
  }
  return counts;
}

/**
 * Executed characters attributed to each function: a character belongs to the
 * function owning its innermost range. Returns [{ index, name, start, end, chars }]
 * in the order of `functions`.
 */
export function charsByFunction(functions, length) {
  const ranges = [];
  let maxEnd = 0;
  let seq = 0;
  functions.forEach((fn, fi) => {
    for (const r of fn.ranges) {
      if (r.endOffset > r.startOffset) {
        ranges.push({ s: r.startOffset, e: r.endOffset, c: r.count, q: seq, f: fi });
        if (r.endOffset > maxEnd) maxEnd = r.endOffset;
      }
      seq++;
    }
  });
  const n = length ?? maxEnd;
  ranges.sort((a, b) => (b.e - b.s) - (a.e - a.s) || a.q - b.q);
  const counts = new Float64Array(n);
  const owner = new Int32Array(n).fill(-1);
  for (const r of ranges) {
    const end = Math.min(r.e, n);
    for (let i = Math.max(0, r.s); i < end; i++) { counts[i] = r.c; owner[i] = r.f; }
  }
  const out = functions.map((fn, index) => ({
    index, name: fn.functionName ?? '', start: fn.ranges[0]?.startOffset ?? 0,
    end: fn.ranges[0]?.endOffset ?? 0, chars: 0,
  }));
  for (let i = 0; i < n; i++) if (owner[i] >= 0) out[owner[i]].chars += counts[i];
  return out;
}

/** Sum over all characters of the innermost range count. */
export function executedChars(functions, length) {
  const counts = innermostCounts(functions, length);
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i];
  return sum;
}

/** Number of characters executed at least once (for information). */
export function coveredChars(functions, length) {
  const counts = innermostCounts(functions, length);
  let k = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) k++;
  return k;
}

function urlMatches(url, suffix) {
  if (typeof url !== 'string') return false;
  const u = url.replace(/\\/g, '/');
  return u.endsWith(suffix) || u.endsWith(encodeURI(suffix));
}

/** Script entries in one parsed coverage JSON whose url ends with suffix. */
export function findScripts(coverageJson, suffix) {
  return (coverageJson.result ?? []).filter((s) => urlMatches(s.url, suffix));
}

/**
 * Read every coverage-*.json in dir and return the script entries whose url ends
 * with suffix, each with the file it came from.
 */
export function loadScriptCoverage(dir, suffix) {
  const out = [];
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    const file = path.join(dir, f);
    let json;
    try { json = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { continue; }
    for (const s of findScripts(json, suffix)) out.push({ file, script: s });
  }
  return out;
}

/**
 * Executed characters of the script ending with suffix in the coverage dir.
 * Sums over all matching entries (there is normally exactly one).
 */
export function executedCharsInDir(dir, suffix, length) {
  const entries = loadScriptCoverage(dir, suffix);
  let chars = 0;
  for (const e of entries) chars += executedChars(e.script.functions, length);
  return { chars, entries: entries.length, urls: entries.map((e) => e.script.url) };
}
