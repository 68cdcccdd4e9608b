// The whole schema, assembled from the areas in this folder.

import { blockSchema } from './block.ts';
import { charSchema } from './char.ts';
import { controlSchema } from './control.ts';
import type { Declaration } from './dsl.ts';
import { eventSchema } from './events.ts';
import { machineSchema } from './machine.ts';
import { objectSchema } from './object.ts';
import { qomSchema } from './qom.ts';
import { SchemaRegistry } from './registry.ts';

export const declarations: Declaration[] = [
  ...controlSchema, ...machineSchema, ...blockSchema, ...charSchema, ...qomSchema, ...objectSchema, ...eventSchema,
];

let registry: SchemaRegistry | undefined;

/** The schema registry, built once. */
export function schema(): SchemaRegistry {
  registry ??= new SchemaRegistry(declarations);
  return registry;
}
