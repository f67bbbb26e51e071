/* Validation report (issue 15, item 7): filter the results by severity and print. Without this
   script every result is shown and the browser's own print command prints the report. */
(function () {
  "use strict";
  function apply(filter) {
    var shown = {};
    filter.querySelectorAll("input[type=checkbox]").forEach(function (box) { shown[box.value] = box.checked; });
    document.querySelectorAll("#report li.result").forEach(function (item) {
      item.hidden = shown[item.getAttribute("data-severity")] === false;
    });
    document.querySelectorAll("#report section.result-group").forEach(function (group) {
      group.hidden = !group.querySelector("li.result:not([hidden])");
    });
  }
  function setup() {
    var filter = document.querySelector("#report .severity-filter");
    if (filter) {
      filter.hidden = false;
      filter.addEventListener("change", function () { apply(filter); });
    }
    var print = document.querySelector("#report .print-report");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup); else setup();
})();
