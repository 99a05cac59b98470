/**
 * Number formatting the interpreter can do. Espruino has toFixed but not toExponential or
 * toPrecision (measured in 2v29: calling them throws "Function not found"), so the scientific
 * and significant-digit forms are built here from toFixed.
 */

/** `value` as mantissa × 10^exponent, the mantissa in [1, 10) written with `fractionDigits` decimals. */
function scientific(value: number, fractionDigits: number): { mantissa: string; exponent: number } {
  const magnitude = value < 0 ? -value : value;
  if (magnitude === 0) return { mantissa: (0).toFixed(fractionDigits), exponent: 0 };
  let exponent = Math.floor(Math.log(magnitude) / Math.LN10);
  let scaled = magnitude / Math.pow(10, exponent);
  // log10 is inexact near powers of ten.
  if (scaled >= 10) {
    scaled /= 10;
    exponent++;
  } else if (scaled < 1) {
    scaled *= 10;
    exponent--;
  }
  let mantissa = scaled.toFixed(fractionDigits);
  // Rounding can carry into a new digit (9.9996 → 10.000).
  if (mantissa.charAt(1) !== '.' && fractionDigits > 0 || (fractionDigits === 0 && mantissa === '10')) {
    exponent++;
    mantissa = (scaled / 10).toFixed(fractionDigits);
  }
  return { mantissa: (value < 0 ? '-' : '') + mantissa, exponent: exponent };
}

/** Like Number.prototype.exponentialText(fractionDigits): "1.235e-5". */
export function exponentialText(value: number, fractionDigits: number): string {
  if (value !== value || value === Infinity || value === -Infinity) return '' + value;
  const parts = scientific(value, fractionDigits);
  return parts.mantissa + 'e' + (parts.exponent < 0 ? '-' : '+') + (parts.exponent < 0 ? -parts.exponent : parts.exponent);
}

/**
 * Like Number.prototype.precisionText(precision): `precision` significant digits, fixed notation
 * for exponents from -7 to precision - 1, exponential beyond.
 */
export function precisionText(value: number, precision: number): string {
  if (value !== value || value === Infinity || value === -Infinity) return '' + value;
  const parts = scientific(value, precision - 1);
  if (parts.exponent < -6 || parts.exponent >= precision) return exponentialText(value, precision - 1);
  return value.toFixed(precision - 1 - parts.exponent);
}
