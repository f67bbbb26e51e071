/* Registry pages: progressive enhancement only; every page works without this script. */
(function () {
  "use strict";

  /* --- autocomplete (ARIA 1.2 combobox with a listbox popup) --- */
  function setupCombo(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var status = input.form.querySelector("[data-status]");
    var items = [], active = -1, timer = null, seq = 0;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function highlight(i) {
      var nodes = list.querySelectorAll("li");
      nodes.forEach(function (n, j) { n.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && nodes[i]) { input.setAttribute("aria-activedescendant", nodes[i].id); nodes[i].scrollIntoView({block: "nearest"}); }
      else input.removeAttribute("aria-activedescendant");
    }
    function show(data) {
      items = data; list.innerHTML = "";
      data.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        li.appendChild(document.createTextNode(item.label));
        var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = item.kind; li.appendChild(kind);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location.href = item.href; });
        list.appendChild(li);
      });
      if (status) status.textContent = data.length ? data.length + " …" : "";
      if (data.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } else close();
      active = -1;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var url = input.dataset.suggest + "?q=" + encodeURIComponent(q);
        if (input.dataset.vocabulary) url += "&vocabulary=" + encodeURIComponent(input.dataset.vocabulary);
        var mine = ++seq;
        fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (data) { if (mine === seq) show(data); })
          .catch(function () { close(); });
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { if (e.key === "ArrowDown" && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(0); e.preventDefault(); } return; }
      if (e.key === "ArrowDown") { highlight(Math.min(active + 1, items.length - 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { highlight(Math.max(active - 1, 0)); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); window.location.href = items[active].href; }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll("input[data-suggest]").forEach(setupCombo);

  /* --- concept tree: expand/collapse all, lazy children --- */
  function loadChildren(details) {
    var url = details.dataset.children;
    if (!url || details.dataset.loaded) return;
    details.dataset.loaded = "1";
    var ul = details.querySelector("ul");
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      ul.innerHTML = html;
      ul.querySelectorAll("details[data-children]").forEach(watch);
    });
  }
  function watch(details) { details.addEventListener("toggle", function () { if (details.open) loadChildren(details); }); }
  document.querySelectorAll("details[data-children]").forEach(watch);
  var tools = document.querySelector(".tree-tools");
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", function (e) {
      var action = e.target.dataset.treeAction;
      if (!action) return;
      document.querySelectorAll("#tree details").forEach(function (d) { d.open = action === "expand"; });
    });
  }

  /* --- query page: examples, run through the SPARQL endpoint, show rows --- */
  var form = document.getElementById("query-form");
  if (form) {
    var text = document.getElementById("q-text");
    var yasgui = null;
    var yasguiNode = document.getElementById("yasgui");
    document.querySelectorAll("button.example").forEach(function (b) {
      b.addEventListener("click", function () {
        var q = document.getElementById("example-" + b.dataset.queryIndex).content.textContent;
        text.value = q;
        if (yasgui) { yasgui.getTab().setQuery(q); }
        text.focus();
      });
    });
    var status = document.getElementById("q-status");
    var table = document.getElementById("q-results");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      status.textContent = "…";
      var body = new URLSearchParams(); body.set("query", text.value);
      fetch(form.dataset.endpoint, {method: "POST", body: body, credentials: "same-origin",
                                    headers: {"Accept": "application/sparql-results+json"}})
        .then(function (r) {
          return r.text().then(function (t) {
            if (!r.ok) { var d = t; try { d = JSON.parse(t).detail || t; } catch (x) {} throw new Error(d); }
            return JSON.parse(t);
          });
        })
        .then(function (data) { render(data); })
        .catch(function (err) { table.hidden = true; status.textContent = status.dataset.errorText + ": " + err.message; });
    });
    function render(data) {
      var thead = table.querySelector("thead"), tbody = table.querySelector("tbody");
      thead.innerHTML = ""; tbody.innerHTML = "";
      if (typeof data.boolean === "boolean") { status.textContent = String(data.boolean); table.hidden = true; return; }
      var vars = data.head.vars, rows = data.results.bindings;
      var tr = document.createElement("tr");
      vars.forEach(function (v) { var th = document.createElement("th"); th.scope = "col"; th.textContent = "?" + v; tr.appendChild(th); });
      thead.appendChild(tr);
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        vars.forEach(function (v) {
          var td = document.createElement("td"), cell = row[v];
          if (cell) {
            if (cell.type === "uri" && /^https?:\/\//i.test(cell.value)) { var a = document.createElement("a"); a.href = cell.value; a.textContent = cell.value; a.className = "iri"; td.appendChild(a); }
            else if (cell.type === "uri") { td.textContent = cell.value; td.className = "iri"; }  /* javascript:, data:...: never a link */
            else { td.textContent = cell.value; if (cell["xml:lang"]) td.lang = cell["xml:lang"]; }
          }
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      table.hidden = false;
      status.textContent = status.dataset.rowsTemplate.replace("{n}", rows.length);
    }
    if (yasguiNode) {
      window.addEventListener("load", function () {
        if (!window.Yasgui) return;
        try {
          localStorage.removeItem("yagui__config");
          yasgui = new window.Yasgui(yasguiNode, {
            requestConfig: {endpoint: yasguiNode.dataset.endpoint, method: "POST"},
            copyEndpointOnNewTab: false, persistenceId: null
          });
          yasgui.getTab().setQuery(text.value);
        } catch (err) { /* the plain form still works */ }
      });
    }
  }
})();
