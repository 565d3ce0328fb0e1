/**
 * The engine's parts, as the functions that read or update more than one of them see them.
 */
import type { ConnectionEntries } from './connections.js';
import type { FindingBook } from './finding-book.js';
import type { Neighbours } from './neighbours.js';
import type { Roles } from './roles.js';
import type { Services } from './services.js';

export interface ModelParts {
  readonly neighbours: Neighbours;
  readonly roles: Roles;
  readonly services: Services;
  readonly entries: ConnectionEntries;
  readonly book: FindingBook;
}
