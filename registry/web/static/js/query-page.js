/* The SPARQL page (/ui/query): YASGUI is its one editor. Its script (~1 MB) and style are fetched
   only here and only after the first paint, so the page's text and examples show at once; the
   example buttons set YASGUI's query (a click before YASGUI is ready is kept and applied then).
   A file, not an inline script, for the pages' Content-Security-Policy. */
(function () {
  "use strict";
  var node = document.getElementById("yasgui");
  if (!node) return;
  var yasgui = null;
  var pending = 0;

  function example(index) {
    return document.getElementById("example-" + index).content.textContent;
  }

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      pending = Number(button.dataset.queryIndex);
      if (yasgui) {
        yasgui.getTab().setQuery(example(pending));
        var editor = node.querySelector(".CodeMirror textarea");
        if (editor) editor.focus();
      }
    });
  });

  function start() {
    if (!window.Yasgui) { failed(); return; }
    try {
      localStorage.removeItem("yagui__config");
      // Autocompleters that call third-party services (LOV) are switched off: nothing leaves the page.
      window.Yasgui.Yasqe.defaults.autocompleters = window.Yasgui.Yasqe.defaults.autocompleters.filter(function (n) {
        return !/class|propert/i.test(n);
      });
      var endpoint = new URL(node.dataset.endpoint, window.location.href).href;
      var loading = document.getElementById("yasgui-loading");
      if (loading) loading.remove();
      yasgui = new window.Yasgui(node, {
        requestConfig: {endpoint: endpoint, method: "POST"},
        copyEndpointOnNewTab: false, persistenceId: null,
        endpointCatalogueOptions: {getData: function () { return [{endpoint: endpoint}]; }}
      });
      yasgui.getTab().setQuery(example(pending));
      node.dataset.ready = "true";
    } catch (err) { failed(); }
  }

  function failed() {
    var loading = document.getElementById("yasgui-loading");
    if (loading) loading.textContent = node.dataset.failedText;
  }

  function load() {
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = node.dataset.style;
    document.head.appendChild(style);
    var script = document.createElement("script");
    script.src = node.dataset.script;
    script.async = true;
    script.addEventListener("load", start);
    script.addEventListener("error", failed);
    document.body.appendChild(script);
  }

  // After the first paint: when the browser reports its first contentful paint (Paint Timing), or
  // after `load` and two frames where it does not report paints.
  var started = false;
  function once() { if (!started) { started = true; load(); } }
  function afterFrames() { window.requestAnimationFrame(function () { window.requestAnimationFrame(once); }); }
  var observed = false;
  if (window.PerformanceObserver && (PerformanceObserver.supportedEntryTypes || []).indexOf("paint") >= 0) {
    observed = true;
    new PerformanceObserver(function (list, observer) {
      if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); window.setTimeout(once, 0); }
    }).observe({type: "paint", buffered: true});
    // a tab opened in the background paints nothing until shown: do not wait for ever
    window.addEventListener("load", function () { window.setTimeout(once, 3000); });
  }
  if (!observed) {
    if (document.readyState === "complete") afterFrames();
    else window.addEventListener("load", afterFrames);
  }
})();
