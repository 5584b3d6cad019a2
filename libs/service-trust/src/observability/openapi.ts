import type { Express } from 'express';
import { errorBodySchema } from '@service-trust/pairing-protocol';
import { z } from 'zod';

/** Caller that an operation accepts. */
export type ApiCaller = 'anyone' | 'admin' | 'pairing token' | 'master token or admin';

/**
 * One route of a service's HTTP surface. `body` and `query` are the zod schemas that the route
 * validates its input with, so the document cannot drift from the validation.
 */
export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express path, such as `/jpds/:id`, relative to the API prefix unless `root` is set. */
  path: string;
  /** Mounted at the root of the service rather than under the API prefix. */
  root?: boolean;
  summary: string;
  caller: ApiCaller;
  body?: z.ZodType;
  /** The body may be left out. */
  optionalBody?: boolean;
  query?: z.ZodObject;
  /** Status and schema of the success response. */
  response: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** Error statuses beyond 401 and 403, which every authenticated route may return. */
  errors?: number[];
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input, or the peer could not be reached.',
  401: 'Missing or invalid credentials.',
  403: 'The credentials do not grant this operation.',
  404: 'Unknown use case or id.',
  409: 'Conflict: a name or URL is taken, or the token was already used.',
  429: 'Too many requests from this client address; see Retry-After.',
  503: 'The service cannot serve requests now: its database is unreachable or it is shutting down.',
};

/** Converts a zod schema to the JSON Schema (draft 2020-12) that OpenAPI 3.1 embeds. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const converted = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete converted.$schema;
  return converted;
}

/** Turns an Express path such as `/jpds/:id` into an OpenAPI path such as `/jpds/{id}`. */
function openApiPath(path: string): { path: string; parameters: string[] } {
  const parameters: string[] = [];
  const converted = path.replace(/:(\w+)/g, (_match, name: string) => {
    parameters.push(name);
    return `{${name}}`;
  });
  return { path: converted, parameters };
}

/** Full path of an operation as the service serves it. */
export function operationPath(operation: ApiOperation, apiPrefix: string): string {
  return operation.root ? operation.path : `${apiPrefix}${operation.path}`;
}

/** Builds the OpenAPI 3.1 document of a service from its operations. */
export function buildOpenApiDocument(options: {
  title: string;
  version: string;
  description: string;
  apiPrefix: string;
  operations: readonly ApiOperation[];
}): Record<string, any> {
  const paths: Record<string, Record<string, unknown>> = {};

  for (const operation of options.operations) {
    const { path, parameters } = openApiPath(operationPath(operation, options.apiPrefix));
    const pathParameters = parameters.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParameters = Object.entries(operation.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchemaOf(schema as z.ZodType),
    }));

    const responses: Record<string, unknown> = {
      [operation.response.status]: {
        description: operation.response.description,
        ...(operation.response.schema && {
          content: {
            [operation.response.contentType ?? 'application/json']: {
              schema: jsonSchemaOf(operation.response.schema),
            },
          },
        }),
      },
    };
    const errorStatuses = [
      ...(operation.body || operation.query ? [400] : []),
      ...(operation.caller === 'anyone' ? [] : [401, 403]),
      ...(operation.errors ?? []),
    ];
    for (const status of [...new Set(errorStatuses)].sort()) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
      };
    }

    paths[path] ??= {};
    paths[path][operation.method] = {
      summary: operation.summary,
      ...(operation.caller !== 'anyone' && {
        description: `Caller: ${operation.caller}.`,
        security: securityOf(operation.caller),
      }),
      ...(pathParameters.length + queryParameters.length > 0 && {
        parameters: [...pathParameters, ...queryParameters],
      }),
      ...(operation.body && {
        requestBody: {
          required: !operation.optionalBody,
          content: { 'application/json': { schema: jsonSchemaOf(operation.body) } },
        },
      }),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, description: options.description },
    paths,
    components: {
      schemas: { ErrorBody: jsonSchemaOf(errorBodySchema) },
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'The admin user and its password.' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}

function securityOf(caller: ApiCaller): Array<Record<string, string[]>> {
  if (caller === 'pairing token') return [{ bearer: [] }];
  return [{ basic: [] }, { bearer: [] }];
}

/** Lists the method and full path of every route of an Express app, such as `GET /healthz`. */
export function listRoutes(app: Express): string[] {
  const routes: string[] = [];
  const visit = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== '_all')
            routes.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount =
          typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        visit(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  visit((app as any).router.stack, '');
  return routes;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * Renders an OpenAPI document as one self-contained HTML page, with no script or external
 * asset, so that it works offline and under a strict content security policy.
 */
export function renderApiReference(document: Record<string, any>): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, operation] of Object.entries<any>(methods)) {
      const parts = [
        `<h2><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>`,
        `<p>${escapeHtml(operation.summary)}${operation.description ? ` ${escapeHtml(operation.description)}` : ''}</p>`,
      ];
      for (const parameter of operation.parameters ?? []) {
        parts.push(
          `<p>${parameter.in} parameter <code>${escapeHtml(parameter.name)}</code>${parameter.required ? ' (required)' : ''}</p>`,
        );
      }
      const body = operation.requestBody?.content?.['application/json']?.schema;
      if (body) {
        parts.push(
          `<p>Request body${operation.requestBody.required ? '' : ' (optional)'}:</p>`,
          `<pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre>`,
        );
      }
      const statuses = Object.entries<any>(operation.responses)
        .map(([status, response]) => `<li>${status}: ${escapeHtml(response.description)}</li>`)
        .join('');
      parts.push(`<ul>${statuses}</ul>`);
      sections.push(`<section>${parts.join('\n')}</section>`);
    }
  }

  const title = escapeHtml(`${document.info.title} ${document.info.version}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}: API reference</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
section { border-top: 1px solid #ccc; padding: 0.5rem 0; }
h2 { font-size: 1.1rem; }
.method { display: inline-block; min-width: 4rem; color: #005a9c; }
pre { background: #f4f4f4; padding: 0.5rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>${title}: API reference</h1>
<p>${escapeHtml(document.info.description)} The machine-readable document is at <a href="/openapi.json">/openapi.json</a>. Errors have the body <code>{ "errors": [ { "code", "message" } ] }</code>.</p>
${sections.join('\n')}
</body>
</html>
`;
}
