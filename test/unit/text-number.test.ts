// Number formatting without toExponential/toPrecision, which Espruino lacks (test/device found the
// board never synchronised because the measurements log called toExponential on every sample).
import { describe, expect, it } from 'vitest';
import { exponentialText, precisionText } from '../../src/text/number';
import { isDigits } from '../../src/text/parse';
import { exponent3 } from '../../src/stats/logtext';
import { compact } from '../../src/stats/history';

describe('number formatting from toFixed', () => {
  it('agrees with V8 on 20,000 random values over 30 decades', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 20000; i++) {
      const value = (random() - 0.5) * Math.pow(10, Math.floor(random() * 30 - 15));
      expect(exponentialText(value, 3)).toBe(value.toExponential(3));
      expect(precisionText(value, 4)).toBe(value.toPrecision(4));
    }
  });

  it('handles zero, signs, carries into a new digit, and what is not finite', () => {
    expect(exponentialText(0, 3)).toBe('0.000e+0');
    expect(exponentialText(-3.2e-5, 2)).toBe('-3.20e-5');
    expect(exponentialText(9.9996, 3)).toBe('1.000e+1');
    expect(precisionText(99999, 4)).toBe('1.000e+5');
    expect(precisionText(0.000123456, 3)).toBe('0.000123');
    expect(precisionText(5e-8, 2)).toBe('5.0e-8');
    expect(exponentialText(NaN, 3)).toBe('NaN');
    expect(precisionText(-Infinity, 3)).toBe('-Infinity');
  });

  it('feeds chrony\'s %10.3e and the history\'s compact form', () => {
    expect(exponent3(-1.25e-5)).toBe('-1.250e-05');
    expect(exponent3(2.5e-7)).toBe(' 2.500e-07');
    expect(compact(0.000123)).toBe('0.000123');
    expect(compact(12.5)).toBe('12.5');
  });

  it('isDigits: only decimal digits, within the length', () => {
    expect(isDigits('8', 1, 2)).toBe(true);
    expect(isDigits('24', 1, 2)).toBe(true);
    expect(isDigits('', 1, 2)).toBe(false);
    expect(isDigits('', 0, 2)).toBe(true);
    expect(isDigits('123', 1, 2)).toBe(false);
    expect(isDigits('1e1', 1, 4)).toBe(false);
    expect(isDigits('+8', 1, 4)).toBe(false);
  });
});
