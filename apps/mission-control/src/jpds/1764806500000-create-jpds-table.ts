import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampType, type Dialect } from '@service-trust/server';

/** Creates the table of JPDs that Mission Control trusts. */
export class CreateJpdsTable1764806500000 implements MigrationInterface {
  name = 'CreateJpdsTable1764806500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner.connection.options.type as Dialect);
    await queryRunner.createTable(
      new Table({
        name: 'jpds',
        columns: [
          {
            name: 'seq',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'name', type: 'varchar', length: '200', isUnique: true },
          { name: 'url', type: 'varchar', length: '2048', isUnique: true },
          { name: 'service_id', type: 'varchar', length: '200' },
          { name: 'location', type: 'text' },
          { name: 'tags', type: 'text' },
          { name: 'encrypted_master_token', type: 'text' },
          { name: 'master_token_id', type: 'varchar', length: '36' },
          { name: 'status_code', type: 'varchar', length: '16' },
          { name: 'status_message', type: 'varchar', length: '500' },
          { name: 'status_checked_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'updated_at', type: timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('jpds');
  }
}
