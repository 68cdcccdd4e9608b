// `emu-img check`: the qcow2 consistency check, reported and exit-coded as qemu-img does
// (0 clean, 1 check could not complete, 2 corruptions, 3 only leaks, 63 format has no check).

import { checkQcow2, type CheckResult } from '../hw/block/qcow2-check.ts';
import { qemuJson } from './qdict-order.ts';
import { cFixed2 } from './human-size.ts';

export const EXIT_CORRUPT = 2;
export const EXIT_LEAKS = 3;
export const EXIT_UNSUPPORTED = 63;

export interface CheckOutput {
  stdout: string;
  stderr: string;
  status: number;
}

export function runCheck(filename: string, output: 'human' | 'json', quiet: boolean, onProgress?: (done: number, total: number) => void): CheckOutput {
  const r = checkQcow2(filename, onProgress);
  const stderr = r.messages.map((m) => m + '\n').join('');
  const stdout = output === 'json' ? qemuJson(jsonOf(r)) + '\n' : quiet ? '' : human(r);
  const status = r.corruptions ? EXIT_CORRUPT : r.leaks ? EXIT_LEAKS : r.checkErrors ? 1 : 0;
  return { stdout, stderr, status };
}

function jsonOf(r: CheckResult): Record<string, unknown> {
  const nz = (n: number) => (n ? n : undefined);
  return {
    filename: r.filename,
    format: r.format,
    'check-errors': r.checkErrors,
    'image-end-offset': nz(r.imageEndOffset),
    corruptions: nz(r.corruptions),
    leaks: nz(r.leaks),
    'total-clusters': nz(r.totalClusters),
    'allocated-clusters': nz(r.allocatedClusters),
    'fragmented-clusters': nz(r.fragmentedClusters),
    'compressed-clusters': nz(r.compressedClusters),
  };
}

function pct(a: number, b: number): string {
  return cFixed2((a * 100) / b);
}

function human(r: CheckResult): string {
  let s = '';
  if (!r.corruptions && !r.leaks && !r.checkErrors) s += 'No errors were found on the image.\n';
  if (r.corruptions) s += `\n${r.corruptions} errors were found on the image.\nData may be corrupted, or further writes to the image may corrupt it.\n`;
  if (r.leaks) s += `\n${r.leaks} leaked clusters were found on the image.\nThis means waste of disk space, but no harm to data.\n`;
  if (r.checkErrors) s += `\n${r.checkErrors} internal errors have occurred during the check.\n`;
  if (r.totalClusters && r.allocatedClusters) {
    s += `${r.allocatedClusters}/${r.totalClusters} = ${pct(r.allocatedClusters, r.totalClusters)}% allocated, ` +
      `${pct(r.fragmentedClusters, r.allocatedClusters)}% fragmented, ${pct(r.compressedClusters, r.allocatedClusters)}% compressed clusters\n`;
  }
  if (r.imageEndOffset) s += `Image end offset: ${r.imageEndOffset}\n`;
  return s;
}
