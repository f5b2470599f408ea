// Converts the generated Swagger 2.0 document (gen/openapi/spona.swagger.json)
// into OpenAPI 3.1 (gen/openapi/spona.openapi.json) with Scalar's maintained
// upgrader. `make generate` runs it; the edge serves the result at
// /openapi/v3.json.
//
// Two things Swagger 2.0 cannot say are stated after the upgrade:
//   - the Bearer scheme is an HTTP bearer scheme (2.0 only has apiKey), so
//     clients and the docs page add the "Bearer " prefix themselves;
//   - the API is served by the host that serves the document (servers: "/").
import { readFileSync, writeFileSync } from 'node:fs';
import { upgrade } from '@scalar/openapi-upgrader';

const [src, dst] = process.argv.slice(2);
if (!src || !dst) {
  console.error('usage: node convert.mjs <swagger.json> <openapi.json>');
  process.exit(2);
}
const doc = upgrade(JSON.parse(readFileSync(src, 'utf8')), '3.1');

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
