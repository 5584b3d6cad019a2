import {
  ADMIN_SCOPE,
  MASTER_TOKEN_SCOPES,
  USE_CASES,
  hasScope,
  isUseCase,
  pairingScope,
} from './scopes';

describe('pairingScope', () => {
  it('returns the mission-control scope', () => {
    expect(pairingScope('mission-control')).toBe(
      'internal:service-trust/pairing/mission-control:x',
    );
  });

  it('returns the jpd scope', () => {
    expect(pairingScope('jpd')).toBe('internal:service-trust/pairing/jpd:x');
  });

  it('returns a distinct scope per use case', () => {
    const scopes = USE_CASES.map(pairingScope);

    expect(new Set(scopes).size).toBe(USE_CASES.length);
  });
});

describe('isUseCase', () => {
  it.each(['mission-control', 'jpd'])('accepts %s', (value) => {
    expect(isUseCase(value)).toBe(true);
  });

  it.each([
    '',
    'JPD',
    'Mission-Control',
    'mission_control',
    ' jpd',
    'jpd ',
    'admin',
    'toString',
    '__proto__',
  ])('rejects %p', (value) => {
    expect(isUseCase(value)).toBe(false);
  });
});

describe('hasScope', () => {
  const scope = 'system:info:r service-trust:pairing:w';

  it('finds the first scope', () => {
    expect(hasScope(scope, 'system:info:r')).toBe(true);
  });

  it('finds the last scope', () => {
    expect(hasScope(scope, 'service-trust:pairing:w')).toBe(true);
  });

  it('finds a single scope', () => {
    expect(hasScope(ADMIN_SCOPE, ADMIN_SCOPE)).toBe(true);
  });

  it.each(['system:info', 'system:info:w', 'info:r', 'service-trust:pairing', 'SYSTEM:INFO:R'])(
    'rejects the partial or different scope %p',
    (wanted) => {
      expect(hasScope(scope, wanted)).toBe(false);
    },
  );

  it('rejects two scopes given as one', () => {
    expect(hasScope(scope, scope)).toBe(false);
  });

  it('rejects any scope in an empty string', () => {
    expect(hasScope('', 'system:info:r')).toBe(false);
    expect(hasScope('', '')).toBe(false);
    expect(hasScope('a  b', '')).toBe(false);
  });
});

describe('MASTER_TOKEN_SCOPES', () => {
  it('grants pairing writes only to mission-control', () => {
    expect(hasScope(MASTER_TOKEN_SCOPES['mission-control'], 'service-trust:pairing:w')).toBe(true);
    expect(hasScope(MASTER_TOKEN_SCOPES.jpd, 'service-trust:pairing:w')).toBe(false);
  });

  it('grants heartbeat writes only to jpd', () => {
    expect(hasScope(MASTER_TOKEN_SCOPES.jpd, 'mc:heartbeat:w')).toBe(true);
    expect(hasScope(MASTER_TOKEN_SCOPES['mission-control'], 'mc:heartbeat:w')).toBe(false);
  });

  it('grants system info reads to both use cases', () => {
    for (const useCase of USE_CASES) {
      expect(hasScope(MASTER_TOKEN_SCOPES[useCase], 'system:info:r')).toBe(true);
    }
  });

  it('never grants the admin scope', () => {
    for (const useCase of USE_CASES) {
      expect(hasScope(MASTER_TOKEN_SCOPES[useCase], ADMIN_SCOPE)).toBe(false);
    }
  });
});
