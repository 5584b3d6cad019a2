// The peer of the exchange benchmark: node-oidc-provider issuing JWT access tokens to one
// confidential client with the client credentials grant. It listens on 127.0.0.1:$PORT and signs
// with a fresh key of $SIGNING_ALGORITHM (ES256 by default).
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const algorithm = process.env.SIGNING_ALGORITHM ?? 'ES256';
const clientSecret = process.env.OIDC_CLIENT_SECRET;
if (!port || !clientSecret) {
  console.error('PORT and OIDC_CLIENT_SECRET must be set.');
  process.exit(1);
}

/** Resource indicator of the API the tokens are for; JWT access tokens need a resource. */
const RESOURCE = 'urn:service-trust:bench-api';
const SCOPE = 'system:info:r';

const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), alg: algorithm, use: 'sig' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'bench-edge',
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // The provider signs with one key, so ID tokens, which this client never gets, must use it too.
      id_token_signed_response_alg: algorithm,
    },
  ],
  jwks: { keys: [signingKey] },
  scopes: [SCOPE],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: SCOPE,
        audience: RESOURCE,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 60 * 60,
        jwt: { sign: { alg: algorithm } },
      }),
    },
  },
});

provider.listen(port, process.env.HOST ?? '127.0.0.1');
