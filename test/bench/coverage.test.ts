import { describe, it, expect } from 'vitest';
// @ts-ignore -- plain ESM helper without type declarations
import { innermostCounts, executedChars, coveredChars, charsByFunction, findScripts } from './coverage.mjs';

// Hand-made V8 precise coverage, shaped like a NODE_V8_COVERAGE file for
//   0         1         2         3
//   0123456789012345678901234567890123456789
// a 40-character script whose top level (count 1) holds a loop block [30,40)
// run 10 times, and a function f = [0,20) called 10 times with an `if` block
// [5,10) taken 4 times, a nested function g = [12,18) called 3 times, and a
// block inside g [14,16) never run.
const coverage = {
  result: [
    {
      scriptId: '7',
      url: 'file:///somewhere/else.js',
      functions: [{ functionName: '', isBlockCoverage: true, ranges: [{ startOffset: 0, endOffset: 999, count: 1 }] }],
    },
    {
      scriptId: '42',
      url: 'file:///work/main/firmware/ntp.js',
      functions: [
        {
          functionName: '',
          isBlockCoverage: true,
          ranges: [
            { startOffset: 0, endOffset: 40, count: 1 },
            { startOffset: 30, endOffset: 40, count: 10 },
          ],
        },
        {
          functionName: 'f',
          isBlockCoverage: true,
          ranges: [
            { startOffset: 0, endOffset: 20, count: 10 },
            { startOffset: 5, endOffset: 10, count: 4 },
          ],
        },
        {
          functionName: 'g',
          isBlockCoverage: true,
          ranges: [
            { startOffset: 12, endOffset: 18, count: 3 },
            { startOffset: 14, endOffset: 16, count: 0 },
          ],
        },
      ],
    },
  ],
};

describe('bench coverage: innermost range counts', () => {
  const script = findScripts(coverage, 'firmware/ntp.js');

  it('finds the bundle entry by url suffix', () => {
    expect(script).toHaveLength(1);
    expect(script[0].scriptId).toBe('42');
    expect(findScripts(coverage, 'firmware/other.js')).toHaveLength(0);
  });

  it('gives each character the count of its innermost range', () => {
    const c = Array.from(innermostCounts(script[0].functions) as Float64Array);
    const expected = [
      10, 10, 10, 10, 10, 4, 4, 4, 4, 4, // f, then its if-block [5,10)
      10, 10, 3, 3, 0, 0, 3, 3, 10, 10, // f, g [12,18) with dead block [14,16)
      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // top level
      10, 10, 10, 10, 10, 10, 10, 10, 10, 10, // loop block
    ];
    expect(c).toEqual(expected);
  });

  it('sums executed characters', () => {
    // f: 9 chars x10 outside its block and g + 5 x4; g: 4 x3 + 2 x0; top: 10 x1; loop: 10 x10
    expect(executedChars(script[0].functions)).toBe(90 + 20 + 12 + 0 + 10 + 100);
    expect(coveredChars(script[0].functions)).toBe(38);
  });

  it('attributes executed characters to the function owning the innermost range', () => {
    const by = charsByFunction(script[0].functions) as Array<{ name: string; chars: number }>;
    expect(by.map((f) => [f.name, f.chars])).toEqual([['', 110], ['f', 110], ['g', 12]]);
  });

  it('lets a later identical range (a block equal to its function) win, and respects length', () => {
    const fns = [
      { ranges: [{ startOffset: 0, endOffset: 4, count: 2 }, { startOffset: 0, endOffset: 4, count: 5 }] },
    ];
    expect(Array.from(innermostCounts(fns) as Float64Array)).toEqual([5, 5, 5, 5]);
    expect(executedChars(fns, 6)).toBe(20); // characters 4,5 are covered by no range
    expect(executedChars(fns, 2)).toBe(10); // clipped to the given length
  });

  it('ignores empty ranges and counts functions in any listing order', () => {
    const fns = [
      { ranges: [{ startOffset: 2, endOffset: 4, count: 7 }] }, // inner listed first
      { ranges: [{ startOffset: 0, endOffset: 6, count: 1 }, { startOffset: 3, endOffset: 3, count: 99 }] },
    ];
    expect(Array.from(innermostCounts(fns) as Float64Array)).toEqual([1, 1, 7, 7, 1, 1]);
  });
});
