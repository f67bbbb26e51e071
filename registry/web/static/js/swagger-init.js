/* Starts Swagger UI on /docs (registry/web/api_docs.py): a file, not an inline script, so that the
   page works under the registry's Content-Security-Policy (no inline script). */
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: node.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, /* the badge would call validator.swagger.io */
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
})();
