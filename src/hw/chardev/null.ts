// The null chardev: output vanishes, input never comes.

import { Chardev, type ChardevCommon } from './chardev.ts';

export class NullChardev extends Chardev {
  readonly kind = 'null' as const;

  constructor(id: string, opts: ChardevCommon = {}) {
    super(id, opts);
  }

  describe(): string {
    return 'null';
  }

  protected doOpen(): void {}
  protected doClose(): void {}
  protected writeBytes(): void {}
}
