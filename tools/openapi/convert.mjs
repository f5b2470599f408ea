// Completes the generated Swagger 2.0 document (gen/openapi/spona.swagger.json,
// rewritten in place) and converts it into OpenAPI 3.1
// (gen/openapi/spona.openapi.json) with Scalar's maintained upgrader.
// `make generate` runs it; the edge serves the results at /openapi.json and
// /openapi/v3.json.
//
// What protoc-gen-openapiv2 cannot say from the protos is stated here, in
// both documents:
//   - a route whose proto declares only file media types in `consumes` (the
//     spreadsheet imports) takes the file itself as its body: the body is
//     binary, not the google.api.HttpBody message the generator writes;
//   - every write (POST, PATCH, DELETE) accepts the Idempotency-Key header,
//     as the edge does (gateway.AcceptsIdempotencyKey) for every route;
//   - every /v1 operation accepts the X-Spona-Purpose header, which the edge
//     passes on to the services (gateway.PurposeHeader) and they record in
//     the audit log with each read or change of personal data;
//   - the routes that take an etag (an update's resource etag, a delete's
//     query etag, a custom method's body etag: gateway.etagField) accept it
//     in If-Match too, and answer a stale one with 412; an answer that is
//     a resource with an etag carries it in the ETag header;
//   - every read (GET) takes If-Match (412 when it names no current etag of
//     the answer) and If-None-Match (304 Not Modified when it names the
//     current etag, or is *: on every read, lists and downloads too), as
//     the edge evaluates them on every read (gateway.etagHeader);
//   - every operation answering JSON (all but the file downloads, whose
//     query chooses the format) refuses an Accept without JSON with 406
//     (gateway.notAcceptable);
//   - every route with a JSON body refuses another Content-Type (and a
//     Content-Encoding) with 415;
//   - every route with a body refuses one over its limit with 413
//     (MAX_BODY_BYTES, IMPORT_MAX_BYTES for an upload: gateway.limit);
//   - every route with a body answers one that stops arriving in time
//     with 408 (BODY_TOO_SLOW), and every operation answers 503 while a
//     service it needs (or the edge's store) is unavailable, 504 when one
//     does not answer in time, and 500 on a fault of Spona's (declared on
//     every operation: a client generated from "default" alone cannot
//     tell them from the other errors);
//   - every write's answers that an Idempotency-Key's retry may get again
//     (200 and the 4xx kept) carry Idempotent-Replayed: true when they are
//     a replay (gateway.ReplayedHeader), as does an import's upload
//     repeating an earlier one; 409 and 429 carry Retry-After when the
//     same request may be sent again;
//   - every error is google.rpc.Status JSON, also on the routes that answer
//     a file (templates, exports): in 2.0, whose `produces` is the whole
//     operation's, application/json is among their media types; in 3.1 an
//     error response is application/json only, and a template's 200 only
//     its file types.
// And after the upgrade:
//   - the Bearer scheme is an HTTP bearer scheme (2.0 only has apiKey), so
//     clients and the docs page add the "Bearer " prefix themselves;
//   - the API is served by the host that serves the document (servers: "/").
import { readFileSync, writeFileSync } from 'node:fs';
import { upgrade } from '@scalar/openapi-upgrader';

const [src, dst] = process.argv.slice(2);
if (!src || !dst) {
  console.error('usage: node convert.mjs <swagger.json (rewritten)> <openapi.json>');
  process.exit(2);
}
const swagger = JSON.parse(readFileSync(src, 'utf8'));

const writes = new Set(['post', 'patch', 'delete']);
const isJSON = (type) => type === 'application/json' || type.endsWith('+json');
// Declared once (parameters.IdempotencyKey), referred to by every write.
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[ -~]+$',
  description:
    'Makes the write safe to retry: a retry with the same key (1 to 255 printable ASCII characters), method, path and body gets the first response again (Idempotent-Replayed: true); the same key with another request is 422, and while the first attempt runs 409.',
};
const idempotencyRef = '#/parameters/IdempotencyKey';
// Declared once (parameters.Purpose), referred to by every /v1 operation.
const purpose = {
  name: 'X-Spona-Purpose',
  in: 'header',
  required: false,
  type: 'string',
  maxLength: 200,
  description:
    'Why the caller reads or changes personal data (at most 200 characters of UTF-8 text): recorded in the audit log with every read or change of personal data the call makes (GET /v1/beneficiaries/{beneficiary_id}/auditEvents shows it). A longer value, or one that is not UTF-8 or holds NUL, is 400 naming x-spona-purpose.',
};
const purposeRef = '#/parameters/Purpose';
// Declared once (parameters.IfMatch), referred to by every operation that
// takes an etag.
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  type: 'string',
  description:
    'The etag of the version the change is made against, as read from the resource\'s ETag header (W/"<version>"), instead of or as well as the `etag` the request takes in its body or query: a stale one is 412 Precondition Failed (ETAG_MISMATCH), one differing from the body\'s or query\'s etag 400; more than one etag, `*` or a value that is no etag is 400 naming If-Match. The version is compared, so "<version>" is the same etag as W/"<version>" (RFC 9110\'s weak comparison, deliberately: its strong comparison would refuse every etag of this API, which are all weak). Operations that take no etag refuse If-Match with 400; a read (GET, HEAD) sent with If-Match answers 412 when it names no current etag of what it answers (a list has none: only `*` passes there).',
};
const ifMatchRef = '#/parameters/IfMatch';
// Declared once (parameters.IfNoneMatch), referred to by every read
// answering a resource with an etag.
const ifNoneMatch = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  type: 'string',
  description:
    'The etags of the versions the client holds (comma-separated, as read from the ETag header), or `*`: when one is the resource\'s current etag (compared by version: W/"<version>" and "<version>" are the same, RFC 9110\'s weak comparison), or `*`, the answer is 304 Not Modified with the ETag and no body; otherwise the resource. `*` is 304 on every read, a list\'s too (there is a current answer). Changes refuse If-None-Match with 400.',
};
const ifNoneMatchRef = '#/parameters/IfNoneMatch';
swagger.parameters = {
  ...swagger.parameters,
  IdempotencyKey: idempotencyKey,
  Purpose: purpose,
  IfMatch: ifMatch,
  IfNoneMatch: ifNoneMatch,
};
const status = { $ref: '#/definitions/rpcStatus' };
// The answers of a write that may be a replay (gateway.final keeps a 2xx
// and a 4xx but those answered before the replay: 401, 406, 413, 415, 429)
// and the header saying so.
const replayedAnswers = ['200', '400', '403', '404', '409', '412', '422'];
const replayedHeader = {
  type: 'string',
  enum: ['true'],
  description:
    'true when this answer repeats the first answer to the same request (the same Idempotency-Key, method, path and body; an import\'s upload repeating an earlier one by request_id or file): nothing was done again. Absent on a first answer.',
};
// When the same request may be sent again: a change that ran into another
// (CONCURRENT_UPDATE), a request still in progress, a rate limit.
const retryAfter = {
  type: 'integer',
  description: 'Seconds to wait before sending the same request again, when it may succeed then.',
};
// The answers every operation may give, whatever it is sent: a service it
// needs unavailable (503) or not answering in time (504), a fault of
// Spona's (500); in this order in the documents.
const everyOperation = [
  [
    '503',
    'A service this operation needs, or the edge\'s own store, is unavailable for the moment (google.rpc.Status UNAVAILABLE): nothing was done, or a write\'s outcome is unknown; send the same request again later (a write with the same Idempotency-Key, so that it is not done twice).',
  ],
  [
    '504',
    'A service this operation needs did not answer in time (google.rpc.Status DEADLINE_EXCEEDED): nothing was done, or a write\'s outcome is unknown; send the same request again (a write with the same Idempotency-Key, so that it is not done twice).',
  ],
  [
    '500',
    'A fault on Spona\'s side, never the request\'s (google.rpc.Status INTERNAL, message "internal error", saying nothing of its cause, which the edge or service logs): a write\'s outcome may be unknown; send it again with the same Idempotency-Key, so that it is not done twice.',
  ],
];
const definition = (schema) => (schema?.$ref ? swagger.definitions[schema.$ref.replace('#/definitions/', '')] : schema);
const hasEtag = (schema) => definition(schema)?.properties?.etag?.type === 'string';
// Whether an operation takes an etag (as gateway.etagField decides): an
// update's resource, a custom method's body, a query parameter.
const takesEtag = (method, path, op) =>
  (op.parameters ?? []).some(
    (p) =>
      (p.in === 'query' && p.name === 'etag') ||
      (p.in === 'body' && (method === 'patch' || (method === 'post' && path.includes(':'))) && hasEtag(p.schema)),
  );
// Operations answering only files on success ("GET /path"), whose 2.0
// `produces` gets application/json for their errors.
const fileAnswers = new Set();
for (const [path, ops] of Object.entries(swagger.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    if (op.produces?.length && !op.produces.some(isJSON)) {
      fileAnswers.add(`${method} ${path}`);
      op.produces.push('application/json');
    }
    if (op.consumes?.length && !op.consumes.some(isJSON)) {
      const body = op.parameters?.find((p) => p.in === 'body');
      if (!body) {
        throw new Error(`${method.toUpperCase()} ${path} consumes ${op.consumes} but has no body`);
      }
      body.schema = { type: 'string', format: 'binary' };
      body.description = `The file itself, as ${op.consumes.join(' or ')} (the Content-Type header says which).`;
    }
    const hasBody = op.parameters?.some((p) => p.in === 'body');
    const jsonBody = hasBody && !(op.consumes?.length && !op.consumes.some(isJSON));
    const etag = takesEtag(method, path, op);
    op.parameters = (op.parameters ?? []).filter(
      (p) => ![idempotencyRef, purposeRef, ifMatchRef, ifNoneMatchRef].includes(p.$ref),
    );
    const read = method === 'get';
    if (etag) {
      op.parameters.push({ $ref: ifMatchRef });
      op.responses['412'] = {
        description:
          'The If-Match etag is stale: the resource changed since it was read (google.rpc.Status ABORTED, reason ETAG_MISMATCH); read it again and send its current etag.',
        schema: status,
      };
    } else if (read) {
      op.parameters.push({ $ref: ifMatchRef });
      op.responses['412'] = {
        description:
          'If-Match names no current etag of the answer (google.rpc.Status ABORTED, reason ETAG_MISMATCH): the resource changed since it was read, the ETag header names its current etag; an answer that is no single resource (a list, a file) has no etag, so only `*` passes.',
        schema: status,
      };
    }
    if (!fileAnswers.has(`${method} ${path}`)) {
      op.responses['406'] = {
        description:
          'The Accept header accepts no application/json, and every answer of this operation is JSON (google.rpc.Status INVALID_ARGUMENT, reason NOT_ACCEPTABLE; the field violation names Accept): send Accept: application/json (or */*), or no Accept. Nothing was read or changed.',
        schema: status,
      };
    }
    if (jsonBody) {
      op.responses['415'] = {
        description:
          'The body is not sent as JSON (Content-Type other than application/json, charset other than UTF-8), or is compressed (Content-Encoding): google.rpc.Status INVALID_ARGUMENT, reason UNSUPPORTED_MEDIA_TYPE, the field violation naming Content-Type or Content-Encoding. A body without a Content-Type is read as JSON.',
        schema: status,
      };
    }
    if (hasBody) {
      op.responses['413'] = {
        description: jsonBody
          ? 'The body is larger than the edge accepts (MAX_BODY_BYTES, 1 MiB by default; google.rpc.Status INVALID_ARGUMENT, reason BODY_TOO_LARGE). Nothing was read or changed.'
          : 'The file is larger than the edge accepts (IMPORT_MAX_BYTES, 20 MiB by default; google.rpc.Status INVALID_ARGUMENT, reason BODY_TOO_LARGE): split it. Nothing was read or changed.',
        schema: status,
      };
    }
    if (hasBody) {
      op.responses['408'] = {
        description:
          'The body stopped arriving in time (HTTP_BODY_TIMEOUT, 10 s by default; an upload\'s deadline grows with its size at HTTP_UPLOAD_MIN_RATE): google.rpc.Status DEADLINE_EXCEEDED, reason BODY_TOO_SLOW. Nothing was done; send it again.',
        schema: status,
      };
    }
    for (const [code, description] of everyOperation) {
      op.responses[code] = { description, schema: status };
    }
    if (writes.has(method)) {
      // The answers an Idempotency-Key's retry may get again (a 200, or a
      // refusal kept: gateway.final), and an import's upload repeating an
      // earlier one, say so in this header.
      for (const code of replayedAnswers) {
        if (op.responses[code]) {
          op.responses[code].headers = { ...op.responses[code].headers, 'Idempotent-Replayed': replayedHeader };
        }
      }
    }
    for (const code of ['409', '429']) {
      if (op.responses[code]) {
        op.responses[code].headers = { ...op.responses[code].headers, 'Retry-After': retryAfter };
      }
    }
    const ok = op.responses?.['200'];
    const resource = ok && hasEtag(ok.schema);
    if (resource) {
      ok.headers = {
        ...ok.headers,
        ETag: { type: 'string', description: 'The etag of the resource answered, as its `etag` field (send it in If-Match to change it).' },
      };
    }
    if (read) {
      op.parameters.push({ $ref: ifNoneMatchRef });
      op.responses['304'] = resource
        ? {
            description:
              'Not Modified: If-None-Match names the resource\'s current etag (or is `*`); no body, the ETag header names the etag.',
            headers: { ETag: { type: 'string', description: 'The etag of the resource, unchanged.' } },
          }
        : {
            description:
              'Not Modified: If-None-Match is `*` (the answer, a list or a file, has no etag to name); no body.',
          };
    }
    if (path.startsWith('/v1/')) {
      op.parameters.push({ $ref: purposeRef });
    }
    if (writes.has(method)) {
      op.parameters.push({ $ref: idempotencyRef });
    }
  }
}
writeFileSync(src, JSON.stringify(swagger, null, 2) + '\n');

const doc = upgrade(structuredClone(swagger), '3.1');

for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    for (const [code, resp] of Object.entries(op.responses ?? {})) {
      if (!resp.content) {
        continue;
      }
      if (!code.startsWith('2')) {
        const json = resp.content['application/json'] ?? Object.values(resp.content)[0];
        resp.content = { 'application/json': json };
      } else if (fileAnswers.has(`${method} ${path}`)) {
        delete resp.content['application/json'];
      }
    }
  }
}

doc.servers = [{ url: '/', description: 'The Spona edge serving this document' }];
const bearer = doc.components?.securitySchemes?.Bearer;
if (!bearer) {
  throw new Error('the Swagger document declares no Bearer security scheme');
}
doc.components.securitySchemes.Bearer = {
  type: 'http',
  scheme: 'bearer',
  description: bearer.description,
};

// openapi, info and servers first, as people read it.
const { openapi, info, servers, ...rest } = doc;
writeFileSync(dst, JSON.stringify({ openapi, info, servers, ...rest }, null, 2) + '\n');
