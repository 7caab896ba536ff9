/**
 * Counter-based randomness: every draw is a pure hash of its coordinates, so any point of a simulated
 * path can be computed on its own, in any order, with the same result on every machine.
 */

const UINT32 = 0x1_0000_0000;

/** murmur3's 32-bit finalizer: a cheap avalanche mix. */
function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string's UTF-16 code units, finalized: a stable 32-bit key for seeds and symbols. */
export function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

function mixPart(hash: number, part: number): number {
  const low = part >>> 0;
  const high = Math.floor(part / UINT32) >>> 0;
  const mixed = fmix32(hash ^ fmix32(low + 0x9e3779b9));
  return fmix32(mixed ^ fmix32(high + 0x7f4a7c15));
}

/** Mixes a key with up to three non-negative integer coordinates (each up to 2^53). */
export function hashCoordinates(key: number, a: number, b = 0, c = 0): number {
  return mixPart(mixPart(mixPart(key >>> 0, a), b), c);
}

/** A uniform draw in the open interval (0, 1) from a 32-bit hash. */
export function uniformFromHash(hash: number): number {
  return (hash + 0.5) / UINT32;
}

/** A standard normal draw from two independent hashes (Box-Muller). */
export function normalFromHashes(first: number, second: number): number {
  const u1 = uniformFromHash(first);
  const u2 = uniformFromHash(second);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
