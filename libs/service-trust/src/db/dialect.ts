/** Database dialects that every service supports. */
export type Dialect = 'postgres' | 'better-sqlite3';

/** Column type of a point in time: `timestamptz` on PostgreSQL, `datetime` on SQLite. */
export function timestampType(dialect: Dialect): 'timestamptz' | 'datetime' {
  return dialect === 'postgres' ? 'timestamptz' : 'datetime';
}
