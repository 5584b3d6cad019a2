import { loggableError } from './error-handler';

describe('loggableError', () => {
  it('keeps the cause of an error', () => {
    const driverError = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    const error = new Error('query failed', { cause: driverError });

    const logged = loggableError(error);

    expect(logged.message).toBe('query failed');
    expect(logged.cause).toMatchObject({ message: 'connection refused', code: 'ECONNREFUSED' });
  });

  it('stops following a cycle of causes', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    first.cause = second;

    let depth = 0;
    for (let level = loggableError(first); level; level = level.cause as typeof level) depth++;

    expect(depth).toBe(4);
  });

  it('drops fields other than name, message, code and stack', () => {
    const error = Object.assign(new Error('insert failed'), { parameters: ['encrypted-secret'] });

    expect(Object.keys(loggableError(error)).sort()).toEqual(['code', 'message', 'stack', 'type']);
  });
});
