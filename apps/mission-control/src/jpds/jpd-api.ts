import type { ApiOperation } from '@service-trust/server';

import { addJpdSchema, listQuerySchema, updateJpdSchema } from './jpd-router';

/** Routes of the JPD registry for Mission Control's OpenAPI document. */
export const jpdOperations: readonly ApiOperation[] = [
  {
    method: 'post',
    path: '/jpds',
    summary: 'Adds a JPD: exchanges its pairing token, stores the master token and probes it.',
    caller: 'admin',
    body: addJpdSchema,
    response: { status: 201, description: 'The new JPD.' },
    errors: [409],
  },
  {
    method: 'get',
    path: '/jpds',
    summary: 'Lists JPDs, filtered by name, URL, tag or status.',
    caller: 'admin',
    query: listQuerySchema,
    response: { status: 200, description: 'The JPDs.' },
  },
  {
    method: 'get',
    path: '/jpds/:id',
    summary: 'One JPD, such as JPD-1.',
    caller: 'admin',
    response: { status: 200, description: 'The JPD.' },
    errors: [404],
  },
  {
    method: 'put',
    path: '/jpds/:id',
    summary: 'Updates name, location or tags; a new token re-pairs the JPD.',
    caller: 'admin',
    body: updateJpdSchema,
    response: { status: 204, description: 'Updated.' },
    errors: [404, 409],
  },
  {
    method: 'delete',
    path: '/jpds/:id',
    summary: 'Forgets the JPD and its master token.',
    caller: 'admin',
    response: { status: 204, description: 'Deleted.' },
    errors: [404],
  },
  {
    method: 'post',
    path: '/jpds/:id/probe',
    summary: 'Probes the JPD now and returns it with its new status.',
    caller: 'admin',
    response: { status: 200, description: 'The JPD.' },
    errors: [404],
  },
  {
    method: 'post',
    path: '/jpds/:id/two_way',
    summary: 'Retries the callback that establishes two-way trust.',
    caller: 'admin',
    response: { status: 200, description: 'The JPD.' },
    errors: [404],
  },
  {
    method: 'post',
    path: '/heartbeat',
    summary: 'Records a heartbeat from a JPD with two-way trust.',
    caller: 'master token or admin',
    response: { status: 204, description: 'Recorded.' },
  },
];
