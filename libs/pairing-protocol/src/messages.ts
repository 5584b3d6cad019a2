import { z } from 'zod';

/** Body of `POST /service_trust/pairing/{use_case}`. Every field is optional. */
export const pairingTokenRequestSchema = z.strictObject({
  expires_in: z.number().int().positive().optional(),
  two_way: z.boolean().optional(),
});

export type PairingTokenRequest = z.infer<typeof pairingTokenRequestSchema>;

/** Response of `POST /service_trust/pairing/{use_case}`. */
export const pairingTokenResponseSchema = z.object({
  pairing_token: z.string(),
  token_id: z.string(),
  expires_in: z.number().int(),
});

export type PairingTokenResponse = z.infer<typeof pairingTokenResponseSchema>;

/** Body a consumer sends to the exchange URL, naming itself. */
export const exchangeRequestSchema = z.strictObject({
  service_id: z.string().min(1).max(200),
  base_url: z.url({ protocol: /^https?$/ }).max(2048),
  name: z.string().min(1).max(200).optional(),
  /**
   * A random id the consumer chooses for this exchange. If the response is lost, the consumer
   * may send the same token with the same request id again within the token's lifetime. It then
   * gets a new master token, and the one issued before is revoked.
   */
  request_id: z
    .string()
    .regex(/^[A-Za-z0-9._~-]{16,128}$/, 'request_id must be 16 to 128 URL-safe characters.')
    .optional(),
});

export type ExchangeRequest = z.infer<typeof exchangeRequestSchema>;

/** Response of the exchange URL: the master token, once. */
export const exchangeResponseSchema = z.object({
  access_token: z.string().min(1),
  token_id: z.string().min(1),
  expires_in: z.number().int().positive(),
  scope: z.string(),
  token_type: z.literal('Bearer'),
});

export type ExchangeResponse = z.infer<typeof exchangeResponseSchema>;

/** The one error body that every endpoint returns. */
export const errorBodySchema = z.object({
  errors: z.array(z.object({ code: z.string(), message: z.string() })).min(1),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Builds an error body with a single error. */
export function errorBody(code: string, message: string): ErrorBody {
  return { errors: [{ code, message }] };
}
