/* The SPARQL query page of GET /sparql (registry/sparql/page.py): starts YASGUI on the endpoint.
   A file, not an inline script, for the registry's Content-Security-Policy. */
(function () {
  "use strict";
  var node = document.getElementById("yasgui");
  var examples = JSON.parse(document.getElementById("sparql-examples").textContent);
  var endpoint = new URL(node.dataset.endpoint, window.location.href).href;
  // Autocompleters that call third-party services (LOV) are switched off: nothing leaves the page.
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(function (n) {
    return !/class|propert/i.test(n);
  });
  var yasgui = new Yasgui(node, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  var tab = yasgui.getTab();
  if (tab && !tab.getQuery().trim().length) { tab.setQuery(examples[0].query); }
  document.querySelectorAll("button[data-example]").forEach(function (button) {
    button.addEventListener("click", function () {
      yasgui.getTab().setQuery(examples[Number(button.dataset.example)].query);
    });
  });
})();
