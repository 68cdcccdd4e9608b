// qemu-img prints JSON from a QDict, whose members come out in hash-bucket order, not insertion
// order. Tools and people diff qemu-img output, so emu-img reproduces that order: QDict's tdb_hash
// over 512 buckets, walked from bucket 0, newest entry first within a bucket.

const BUCKETS = 512;

function tdbHash(name: string): number {
  const bytes = new TextEncoder().encode(name);
  let value = Math.imul(0x238f13af, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) value = (value + ((bytes[i] << ((i * 5) % 24)) >>> 0)) >>> 0;
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

/** Re-creates obj (recursively) with its keys in the order QEMU's QDict would print them. */
export function qdictOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(qdictOrder);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const indexed = entries.map(([k, v], i) => ({ k, v, i, b: tdbHash(k) % BUCKETS }));
  indexed.sort((x, y) => x.b - y.b || y.i - x.i);
  const out: Record<string, unknown> = {};
  for (const { k, v } of indexed) out[k] = qdictOrder(v);
  return out;
}

/** JSON as qemu-img prints it: four-space indentation, QDict member order. */
export function qemuJson(value: unknown): string {
  return JSON.stringify(qdictOrder(value), null, 4);
}
