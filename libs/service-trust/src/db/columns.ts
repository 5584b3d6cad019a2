import type { TableColumnOptions } from 'typeorm';

import { timestampType, type Dialect } from './dialect';

/** Options of a `varchar(length)` column for a migration. */
export function varcharColumn(name: string, length: number, nullable = false): TableColumnOptions {
  return { name, type: 'varchar', length: String(length), isNullable: nullable };
}

/** Options of a point-in-time column for a migration, typed for `dialect`. */
export function timestampColumn(
  dialect: Dialect,
  name: string,
  nullable = false,
): TableColumnOptions {
  return { name, type: timestampType(dialect), isNullable: nullable };
}
