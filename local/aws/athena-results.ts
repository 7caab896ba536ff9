import type { TrinoColumn } from '../services/trino/client';

/**
 * A double as a result file shows it: Java's Double.toString, the text Trino's JDBC driver and CLI give (and
 * Trino's own `format('%s', x)`): the shortest round-trip digits, in plain notation from 10^-3 up to 10^7 (always
 * with a fraction: `100.0`) and in exponent form outside it (`8.798E-5`, `1.0E7`); `NaN`, `Infinity`, `-Infinity`.
 */
export function trinoDoubleText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  // JavaScript's toExponential() with no argument gives the shortest round-trip digits too: 8.798e-5, 1e+7.
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/**
 * One value of a Trino result (as its HTTP protocol returns it: JSON numbers for doubles, strings for decimals,
 * timestamps and varchars) rendered as Athena writes it in a result file; `null` stays null (an unquoted empty field).
 */
export function athenaText(value: unknown, column: TrinoColumn): string | null {
  if (value === null || value === undefined) return null;
  const type = column.type.toLowerCase();
  if (type === 'double' && typeof value === 'number') return trinoDoubleText(value);
  // Trino's protocol sends NaN and infinities of a double as strings.
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}
