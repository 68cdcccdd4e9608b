// object-add and object-del: user-creatable objects under /objects (src/hw/objects).

import type { Handlers } from './types.ts';

export const objectHandlers: Handlers<'object-add' | 'object-del'> = {
  'object-add': (a, { core }) => {
    core.objects.add(a);
  },
  'object-del': (a, { core }) => core.objects.del(a.id),
};
