import { isDatabaseUnavailable } from './availability';

const driverError = (code: string, message = 'failed') =>
  Object.assign(new Error('query failed'), {
    driverError: Object.assign(new Error(message), { code }),
  });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' })],
    ['a PostgreSQL connection exception', driverError('08006')],
    ['a session ended by an administrator', driverError('57P01')],
    ['a database closed to connections', driverError('55000')],
    ['a broken connection', new Error('Connection terminated unexpectedly')],
    ['a busy SQLite file', driverError('SQLITE_BUSY')],
    ['a SQLite disk error', driverError('SQLITE_IOERR_WRITE')],
  ])('accepts %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', driverError('23505')],
    ['an error raised by a trigger', driverError('P0001', 'forced failure')],
    ['a SQLite constraint', driverError('SQLITE_CONSTRAINT_UNIQUE')],
    ['a plain error', new Error('something else')],
    ['a string', 'ECONNREFUSED'],
    ['undefined', undefined],
  ])('rejects %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
