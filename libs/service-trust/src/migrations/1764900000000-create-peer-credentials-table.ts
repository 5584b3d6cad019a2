import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

import { timestampColumn, varcharColumn } from '../db/columns';
import type { Dialect } from '../db/dialect';

/** Creates the table of master tokens that peers issued to this service, for two-way trust. */
export class CreatePeerCredentialsTable1764900000000 implements MigrationInterface {
  name = 'CreatePeerCredentialsTable1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = queryRunner.connection.options.type as Dialect;
    const text = varcharColumn;
    const time = (name: string, nullable = false) => timestampColumn(dialect, name, nullable);

    await queryRunner.createTable(
      new Table({
        name: 'peer_credentials',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('use_case', 64),
          text('pairing_id', 36, true),
          text('peer_service_id', 200),
          text('peer_base_url', 2048),
          { name: 'encrypted_token', type: 'text' },
          text('token_id', 36),
          time('expires_at'),
          text('status', 16),
          time('last_heartbeat_at', true),
          text('last_error', 500, true),
          time('created_at'),
          time('updated_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_peer_credentials_peer',
            columnNames: ['use_case', 'peer_base_url'],
            isUnique: true,
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('peer_credentials');
  }
}
