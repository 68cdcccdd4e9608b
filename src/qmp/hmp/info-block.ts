// `info block`: QEMU 7.2's hmp_info_block output, from query-block and query-named-block-nodes.

import type { BlockDeviceInfo, BlockInfo, ImageInfo } from '../generated/schema-types.ts';
import { sizeToStr } from './format.ts';
import type { TypedQmp } from './qmp-call.ts';

/**
 * The name eject and change take for a device's medium: QEMU takes the legacy backend name; emu has
 * none and takes the inserted node's name instead (the `device` argument of its QMP commands).
 */
export function backendName(info: BlockInfo): string | undefined {
  if (info.device) return info.device;
  return info.inserted?.['node-name'];
}

function imageDump(image: ImageInfo): string {
  let s = `image: ${image.filename}\n`;
  s += `file format: ${image.format}\n`;
  s += `virtual size: ${sizeToStr(image['virtual-size'])} (${image['virtual-size']} bytes)\n`;
  s += `disk size: ${image['actual-size'] !== undefined ? sizeToStr(image['actual-size']) : 'unavailable'}\n`;
  if (image['cluster-size'] !== undefined) s += `cluster_size: ${image['cluster-size']}\n`;
  if (image['dirty-flag'] === true) s += 'cleanly shut down: no\n';
  if (image['backing-filename'] !== undefined) {
    s += `backing file: ${image['backing-filename']}`;
    const full = image['full-backing-filename'];
    if (full !== undefined && full !== image['backing-filename']) s += ` (actual path: ${full})`;
    s += '\n';
  }
  return s;
}

function blockEntry(info: BlockInfo | undefined, inserted: BlockDeviceInfo | undefined, verbose: boolean): string {
  let s: string;
  if (info && info.device) {
    s = info.device + (inserted?.['node-name'] !== undefined ? ` (${inserted['node-name']})` : '');
  } else {
    s = inserted?.['node-name'] ?? info?.qdev ?? '<anonymous>';
  }
  if (inserted) {
    s += `: ${inserted.file} (${inserted.drv}${inserted.ro ? ', read-only' : ''}${inserted.encrypted ? ', encrypted' : ''})\n`;
  } else {
    s += ': [not inserted]\n';
  }
  if (info) {
    if (info.qdev !== undefined) s += `    Attached to:      ${info.qdev}\n`;
    if (info['io-status'] !== undefined && info['io-status'] !== 'ok') s += `    I/O status:       ${info['io-status']}\n`;
    if (info.removable) s += `    Removable device: ${info.locked ? '' : 'not '}locked, tray ${info.tray_open ? 'open' : 'closed'}\n`;
  }
  if (!inserted) return s;
  const c = inserted.cache;
  s += `    Cache mode:       ${c.writeback ? 'writeback' : 'writethrough'}${c.direct ? ', direct' : ''}${c['no-flush'] ? ', ignore flushes' : ''}\n`;
  if (inserted.backing_file !== undefined) {
    s += `    Backing file:     ${inserted.backing_file} (chain depth: ${inserted.backing_file_depth})\n`;
  }
  if (inserted.detect_zeroes !== 'off') s += `    Detect zeroes:    ${inserted.detect_zeroes}\n`;
  const t = inserted;
  if (t.bps || t.bps_rd || t.bps_wr || t.iops || t.iops_rd || t.iops_wr) {
    s += `    I/O throttling:   bps=${t.bps} bps_rd=${t.bps_rd} bps_wr=${t.bps_wr} bps_max=0 bps_rd_max=0 bps_wr_max=0 `
      + `iops=${t.iops} iops_rd=${t.iops_rd} iops_wr=${t.iops_wr} iops_max=0 iops_rd_max=0 iops_wr_max=0 iops_size=0 group=\n`;
  }
  if (verbose) {
    s += '\nImages:\n';
    for (let img: ImageInfo | undefined = t.image; img; img = img['backing-image']) s += imageDump(img);
  }
  return s;
}

/**
 * QEMU 7.2's selection: without -n the devices' backends, matched by legacy backend name (emu has
 * none, so a name never matches one); with -n or a name, the named nodes, matched by node name. So
 * `info block NODE` shows the node, as QEMU does for -blockdev nodes.
 */
export async function infoBlock(qmp: TypedQmp, args: { nodes?: boolean; verbose?: boolean; device?: string }): Promise<string> {
  const verbose = args.verbose === true;
  const device = args.device;
  let out = '';
  if (!args.nodes) {
    const list = await qmp('query-block', {});
    list.forEach((info, i) => {
      if (device !== undefined && info.device !== device) return;
      // QEMU separates entries by their position in the whole list, so a filtered entry that is not
      // the first one is preceded by a blank line.
      if (i > 0) out += '\n';
      out += blockEntry(info, info.inserted, verbose);
    });
  }
  if (!args.nodes && device === undefined) return out;
  const nodes = await qmp('query-named-block-nodes', { flat: false });
  nodes.forEach((n, i) => {
    if (device !== undefined && n['node-name'] !== device) return;
    if (i > 0) out += '\n';
    out += blockEntry(undefined, n, verbose);
  });
  return out;
}
