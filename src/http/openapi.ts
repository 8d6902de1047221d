import { z } from 'zod';
import type { Access } from './context.ts';

/** What the OpenAPI document says of one API operation; request shapes come from the zod schemas the services use. */
export interface ApiDoc {
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** The status of a successful answer (200 unless given). */
  success?: 200 | 201 | 204;
}

export interface ApiOperation extends ApiDoc {
  method: string;
  url: string;
  access: Access;
}

const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable error code, e.g. VALIDATION_FAILED, NOT_FOUND, MAILING_COMPLETED' },
    errors: { type: 'object', additionalProperties: { type: 'string' }, description: 'One message per invalid field' },
  },
};

const toSchema = (schema: z.ZodType) => {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
};

/** OpenAPI paths use {id} where Fastify routes use :id. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

/** Builds the OpenAPI 3.0 document of every registered API operation. */
export function buildOpenApiDocument(operations: ApiOperation[], baseUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = openApiPath(op.url);
    const params = [...op.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      // Ids are numbers; other parameters (a post's slug) are text.
      schema: /id$/i.test(m[1] ?? '') ? { type: 'integer', minimum: 1 } : { type: 'string' },
    }));
    const query = op.query ? toSchema(op.query) : null;
    const queryParams = query?.properties
      ? Object.entries(query.properties as Record<string, object>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          schema,
        }))
      : [];
    const success = op.success ?? 200;
    paths[path] ??= {};
    paths[path][op.method.toLowerCase()] = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      description: `Requires: ${op.access}.`,
      ...(params.length || queryParams.length ? { parameters: [...params, ...queryParams] } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(op.body) } } } } : {}),
      responses: {
        [success]:
          success === 204
            ? { description: 'Done' }
            : { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        default: {
          description: 'A problem',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Herald API',
      version: '1',
      description:
        'Authenticate with a personal API token (Authorization: Bearer …) or a session cookie; cookie-authenticated writes need the CSRF token in x-csrf-token.',
    },
    servers: [{ url: baseUrl }],
    paths,
    components: {
      schemas: { Problem: problem },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'herald_session' },
      },
    },
  };
}
