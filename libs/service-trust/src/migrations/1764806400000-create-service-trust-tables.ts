import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

import { timestampColumn, varcharColumn } from '../db/columns';
import type { Dialect } from '../db/dialect';

/** Creates the tables that every service uses: identity, keys, users, tokens, pairings, audit. */
export class CreateServiceTrustTables1764806400000 implements MigrationInterface {
  name = 'CreateServiceTrustTables1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = queryRunner.connection.options.type as Dialect;
    const text = varcharColumn;
    const time = (name: string, nullable = false) => timestampColumn(dialect, name, nullable);

    await queryRunner.createTable(
      new Table({
        name: 'service_identity',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          text('service_id', 64),
          time('created_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          { ...text('kid', 64), isPrimary: true },
          text('alg', 16),
          { name: 'public_jwk', type: 'text' },
          { name: 'encrypted_private_jwk', type: 'text' },
          time('created_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { ...text('username', 64), isPrimary: true },
          text('password_hash', 255),
          time('created_at'),
          time('updated_at'),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'tokens',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('kind', 16),
          text('subject', 255),
          text('scope', 255),
          text('use_case', 64, true),
          text('status', 16),
          time('expires_at'),
          time('created_at'),
          time('used_at', true),
          time('revoked_at', true),
          text('pairing_id', 36, true),
        ],
        indices: [new TableIndex({ name: 'idx_tokens_pairing_id', columnNames: ['pairing_id'] })],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'pairings',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('use_case', 64),
          text('peer_service_id', 200),
          text('peer_base_url', 2048),
          text('peer_name', 200, true),
          text('pairing_token_id', 36),
          text('master_token_id', 36),
          text('status', 16),
          time('created_at'),
          time('revoked_at', true),
        ],
        indices: [
          new TableIndex({ name: 'idx_pairings_peer', columnNames: ['use_case', 'peer_base_url'] }),
          new TableIndex({
            name: 'uq_pairings_pairing_token_id',
            columnNames: ['pairing_token_id'],
            isUnique: true,
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('type', 64),
          text('token_id', 36, true),
          text('pairing_id', 36, true),
          { name: 'detail', type: 'text', isNullable: true },
          time('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_audit_events_token_id', columnNames: ['token_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'audit_events',
      'pairings',
      'tokens',
      'users',
      'signing_keys',
      'service_identity',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
