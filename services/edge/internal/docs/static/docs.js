// Starts Swagger UI (vendored in /docs/swagger-ui/, no CDN) on the OpenAPI
// 3.1 document served by this edge. Try-it requests go to this same origin
// with the Bearer key entered under "Authorize".
window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi/v3.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayOperationId: false,
    filter: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    // No online validator badge: the page talks to this server only.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
