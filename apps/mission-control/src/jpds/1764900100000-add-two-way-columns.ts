import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampType, type Dialect } from '@service-trust/server';

/** Adds the state of two-way trust and the last heartbeat to every JPD. */
export class AddTwoWayColumns1764900100000 implements MigrationInterface {
  name = 'AddTwoWayColumns1764900100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner.connection.options.type as Dialect);
    await queryRunner.addColumns('jpds', [
      new TableColumn({ name: 'pairing_url', type: 'varchar', length: '2048', isNullable: true }),
      new TableColumn({ name: 'two_way_status', type: 'varchar', length: '16', default: "'NONE'" }),
      new TableColumn({
        name: 'two_way_message',
        type: 'varchar',
        length: '500',
        isNullable: true,
      }),
      new TableColumn({ name: 'last_heartbeat_at', type: timestamp, isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of [
      'last_heartbeat_at',
      'two_way_message',
      'two_way_status',
      'pairing_url',
    ]) {
      await queryRunner.dropColumn('jpds', column);
    }
  }
}
