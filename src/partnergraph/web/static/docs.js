// The OpenAPI page: Swagger UI on the app's own description, started from a file (no inline script,
// so the page's Content-Security-Policy can forbid inline scripts).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.partnergraphSwagger = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
}());
