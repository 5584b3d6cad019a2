import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

import { timestampColumn, varcharColumn } from '../db/columns';
import type { Dialect } from '../db/dialect';

/** Creates the table of browser sessions of the admin web page. */
export class CreateAdminSessionsTable1765100000000 implements MigrationInterface {
  name = 'CreateAdminSessionsTable1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = queryRunner.connection.options.type as Dialect;
    const text = varcharColumn;
    const time = (name: string, nullable = false) => timestampColumn(dialect, name, nullable);

    await queryRunner.createTable(
      new Table({
        name: 'admin_sessions',
        columns: [
          { ...text('id', 64), isPrimary: true },
          text('username', 64),
          text('csrf_token', 64),
          time('created_at'),
          time('expires_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_admin_sessions_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('admin_sessions');
  }
}
