import pkg from '../../package.json' with { type: 'json' };

/** emu's own version, from package.json. */
export const EMU_VERSION: string = pkg.version;

/**
 * The QEMU version emu reports over QMP. emu implements QEMU 7.2's QMP contract (the reference it was
 * built against), and management tools such as libvirt key features on this number.
 */
export const QEMU_COMPAT_VERSION = { major: 7, minor: 2, micro: 0 } as const;
