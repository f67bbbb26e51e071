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

  /* YASGUI speaks English only: its labels (text, title, aria-label, placeholder) are put into the
     page's language from the page's table (i18n.py "yasgui.*"), as YASGUI draws them. */
  var labels = JSON.parse((document.getElementById("yasgui-labels") || {}).textContent || "{}");
  var exact = {}, patterns = [];
  Object.keys(labels).forEach(function (english) {
    if (english.indexOf("{") < 0) { exact[english] = labels[english]; return; }
    var names = [];
    var source = english.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, function (m, name) {
      names.push(name); return "(.+?)";
    });
    patterns.push({re: new RegExp("^" + source + "$"), names: names, text: labels[english]});
  });
  function translated(text) {
    var trimmed = text.trim();
    if (!trimmed) return null;
    if (Object.prototype.hasOwnProperty.call(exact, trimmed)) return text.replace(trimmed, exact[trimmed]);
    for (var i = 0; i < patterns.length; i++) {
      var m = patterns[i].re.exec(trimmed);
      if (m) {
        var out = patterns[i].text;
        patterns[i].names.forEach(function (name, j) {  // "Shows {x} view": x may be a label too
          var value = m[j + 1];
          out = out.replace("{" + name + "}", Object.prototype.hasOwnProperty.call(exact, value) ? exact[value] : value);
        });
        return text.replace(trimmed, out);
      }
    }
    return null;
  }
  function translate(root) {
    if (!patterns.length && !Object.keys(exact).length) return;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement && n.parentElement.closest(".CodeMirror, .yasr_results")) continue;  // the query and the data
      var t = translated(n.textContent);
      if (t !== null && t !== n.textContent) n.textContent = t;
    }
    var elements = root.querySelectorAll ? root.querySelectorAll("[title], [aria-label], [placeholder]") : [];
    Array.prototype.forEach.call(elements, function (el) {
      ["title", "aria-label", "placeholder"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        var t = v && translated(v);
        if (t && t !== v) el.setAttribute(attr, t);
      });
    });
  }
  var translating = false;
  function watchLabels() {
    translate(node);
    new MutationObserver(function () {
      if (translating) return;
      translating = true;
      try { translate(node); } finally { translating = false; }
    }).observe(node, {subtree: true, childList: true, characterData: true, attributes: true,
                      attributeFilter: ["title", "aria-label", "placeholder"]});
  }

  /* The endpoint's errors (problem+json) as a sentence in the page's language, where in the query,
     and the parser's own words (English, marked so). */
  var problems = JSON.parse((document.getElementById("query-problems") || {}).textContent || "{}");
  function renderProblem(error) {
    var body = null;
    try { body = JSON.parse(error && error.text); } catch (e) { return undefined; }
    if (!body || typeof body !== "object" || !body.code) return undefined;
    var box = document.createElement("div");
    box.className = "query-problem";
    box.setAttribute("role", "alert");
    var sentence = document.createElement("p");
    sentence.textContent = problems[body.code] || problems[""];
    box.appendChild(sentence);
    var detail = String(body.detail || "");
    var at = /(\d+):(\d+)/.exec(detail);
    if (body.code === "query-syntax" && at) {
      var where = document.createElement("p");
      where.textContent = problems["#at"].replace("{l}", at[1]).replace("{c}", at[2]);
      box.appendChild(where);
    }
    if (detail) {
      var parser = document.createElement("p");
      parser.textContent = problems["#parser"] + " ";
      var words = document.createElement("code");
      words.lang = "en";
      words.textContent = detail;
      parser.appendChild(words);
      box.appendChild(parser);
    }
    return box;
  }

  function start() {
    if (!window.Yasgui) { failed(); return; }
    try {
      localStorage.removeItem("yagui__config");
      // Autocompleters that call third-party services (LOV) are switched off: nothing leaves the page.
      window.Yasgui.Yasqe.defaults.autocompleters = window.Yasgui.Yasqe.defaults.autocompleters.filter(function (n) {
        return !/class|propert/i.test(n);
      });
      window.Yasgui.Yasr.defaults.errorRenderers = [renderProblem].concat(window.Yasgui.Yasr.defaults.errorRenderers || []);
      var endpoint = new URL(node.dataset.endpoint, window.location.href).href;
      var loading = document.getElementById("yasgui-loading");
      if (loading) loading.remove();
      yasgui = new window.Yasgui(node, {
        requestConfig: {endpoint: endpoint, method: "POST"},
        copyEndpointOnNewTab: false, persistenceId: null,
        endpointCatalogueOptions: {getData: function () { return [{endpoint: endpoint}]; }}
      });
      yasgui.getTab().setQuery(example(pending));
      watchLabels();
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
