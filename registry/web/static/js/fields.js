/* Profile pages: the field filter (required / required and recommended / all). Without this
   script the same form reloads the page with ?fields=… and the server hides the other rows. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-field-filter]");
  if (!form) return;
  var rank = {required: 0, recommended: 1, optional: 2};
  var limits = {required: 0, recommended: 1, all: 2};

  function apply(level) {
    var limit = limits.hasOwnProperty(level) ? limits[level] : 2;
    document.querySelectorAll("section.group[data-group]").forEach(function (group) {
      var visible = 0;
      group.querySelectorAll("tr[data-requirement]").forEach(function (row) {
        var on = rank[row.getAttribute("data-requirement")] <= limit;
        row.hidden = !on;
        if (on) visible += 1;
      });
      group.hidden = visible === 0;
      var link = document.querySelector("nav.toc li[data-group='" + group.getAttribute("data-group") + "']");
      if (link) link.hidden = group.hidden;
    });
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      if (level === "all") url.searchParams.delete("fields"); else url.searchParams.set("fields", level);
      window.history.replaceState(null, "", url.toString());
    }
  }

  function choose(level) {
    var radio = form.querySelector("input[name=fields][value='" + level + "']");
    if (radio) radio.checked = true;
    apply(level);
  }

  var button = form.querySelector("[data-filter-apply]");
  if (button) button.hidden = true;
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "fields") apply(e.target.value);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var checked = form.querySelector("input[name=fields]:checked");
    apply(checked ? checked.value : "all");
  });

  // a link to a field the filter hides (#f-…) shows every field, then the field
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (target && target.closest("[hidden]")) {
      choose("all");
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
