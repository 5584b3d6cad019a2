import type { DataSource } from 'typeorm';

/** An integer query parameter, marked so that it is bound and not written into the SQL text. */
class IntegerParameter {
  constructor(readonly value: bigint) {}
}

type EscapeQuery = (
  sql: string,
  parameters: Record<string, unknown>,
  nativeParameters: Record<string, unknown>,
) => [string, unknown[]];

/**
 * Makes TypeORM bind integer parameters on a SQLite data source. Its SQLite driver writes each
 * number into the SQL text, so every row id makes a new statement to prepare, and these push the
 * repeating statements out of the driver's cache of 100. A BigInt binds as SQLite INTEGER, the
 * type of the literal it replaces.
 */
export function bindSqliteIntegers(dataSource: DataSource): void {
  // NOTE: this wraps an internal method of TypeORM 0.3's SQLite driver. If an upgrade renames or
  // changes it, sqlite-parameters.spec.ts fails.
  const driver = dataSource.driver as unknown as { escapeQueryWithParameters: EscapeQuery };
  const escape = driver.escapeQueryWithParameters.bind(driver);

  driver.escapeQueryWithParameters = (sql, parameters, nativeParameters) => {
    if (!parameters) return escape(sql, parameters, nativeParameters);

    const wrapped: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parameters)) {
      wrapped[key] = Number.isSafeInteger(value)
        ? new IntegerParameter(BigInt(value as number))
        : value;
    }
    const [query, values] = escape(sql, wrapped, nativeParameters);
    return [
      query,
      values.map((value) => (value instanceof IntegerParameter ? value.value : value)),
    ];
  };
}
