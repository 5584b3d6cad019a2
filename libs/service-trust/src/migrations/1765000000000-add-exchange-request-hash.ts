import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

import { varcharColumn } from '../db/columns';

/**
 * Adds the hash of the request id that consumed a pairing token, so that a consumer whose
 * exchange response was lost can retry with the same request id.
 */
export class AddExchangeRequestHash1765000000000 implements MigrationInterface {
  name = 'AddExchangeRequestHash1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'tokens',
      new TableColumn(varcharColumn('exchange_request_hash', 64, true)),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('tokens', 'exchange_request_hash');
  }
}
