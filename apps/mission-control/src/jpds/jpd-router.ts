import express, { type Router } from 'express';
import {
  badRequest,
  describeIssues,
  forbidden,
  parseBody,
  usernameOf,
  type Authenticator,
} from '@service-trust/server';
import { z } from 'zod';

import type { JpdRegistry } from './jpd-registry';

const locationSchema = z.strictObject({
  city_name: z.string().max(200).optional(),
  country_code: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code')
    .optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
});

const tagsSchema = z.array(z.string().min(1).max(100)).max(50);

const nameSchema = z.string().trim().min(1).max(200);

export const addJpdSchema = z.strictObject({
  name: nameSchema,
  url: z.string().min(1).max(2048),
  token: z.string().min(1).max(16_384),
  location: locationSchema.optional(),
  tags: tagsSchema.optional(),
});

export const updateJpdSchema = addJpdSchema.partial();

export const listQuerySchema = z.strictObject({
  name: z.string().optional(),
  url: z.string().optional(),
  tag: z.string().optional(),
  status: z.enum(['ONLINE', 'OFFLINE', 'UNAUTHORIZED']).optional(),
});

/**
 * Routes of the JPD registry, under `/mc/api/v1`. Every `/jpds` route requires an administrator;
 * `/heartbeat` requires a JPD's master token.
 */
export function createJpdRouter(options: { registry: JpdRegistry; auth: Authenticator }): Router {
  const { registry, auth } = options;
  const router = express.Router();
  router.use('/jpds', auth.requireAdmin);

  router.post('/jpds', async (req, res) => {
    const body = parseBody(req, addJpdSchema);
    res.status(201).json(await registry.add(body, usernameOf(req)));
  });

  router.get('/jpds', async (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    if (!query.success) throw badRequest(`Invalid query: ${describeIssues(query.error)}`);
    res.json(await registry.list(query.data));
  });

  router.get('/jpds/:id', async (req, res) => {
    res.json(await registry.get(req.params.id as string));
  });

  router.put('/jpds/:id', async (req, res) => {
    const body = parseBody(req, updateJpdSchema);
    await registry.update(req.params.id as string, body, usernameOf(req));
    res.status(204).end();
  });

  router.delete('/jpds/:id', async (req, res) => {
    await registry.remove(req.params.id as string);
    res.status(204).end();
  });

  router.post('/jpds/:id/probe', async (req, res) => {
    res.json(await registry.probe(req.params.id as string));
  });

  router.post('/jpds/:id/two_way', async (req, res) => {
    res.json(await registry.retryTwoWay(req.params.id as string, usernameOf(req)));
  });

  // A JPD with two-way trust reports that it is alive, with the master token it got from here.
  router.post('/heartbeat', auth.requireScope('mc:heartbeat:w'), async (req, res) => {
    const principal = req.principal;
    if (principal?.kind !== 'service') {
      throw forbidden('Heartbeats come from a JPD holding a Mission Control master token.');
    }
    await registry.recordHeartbeat(principal.token.record);
    res.status(204).end();
  });

  return router;
}
