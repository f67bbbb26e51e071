/* The Dataverse external tool "Check against <profile>" (registry/dataverse/tool.py).
   Runs in the user's browser: reads the signed callback Dataverse passes (or siteUrl + datasetPid
   + datasetVersion for a published dataset), fetches the dataset version JSON from the Dataverse
   site itself, posts it to this registry's /validate and shows the report in the language of
   Dataverse's localeCode. Every text from the dataset or the report is inserted as text (never
   as HTML). A file, not an inline script, for the registry's Content-Security-Policy. */
(function () {
  "use strict";

  var TEXT = {
    en: {
      title: "Check a Dataverse dataset before deposit",
      intro: "This page reads the dataset from the Dataverse site in your browser and checks it against the profile {p}. Nothing is kept.",
      reading: "Reading the dataset from Dataverse…",
      validating: "Checking the metadata against the profile…",
      done: "Done.",
      report: "Report",
      conforms: "The dataset's metadata conform to the profile {p}.",
      notConforms: "The dataset's metadata do NOT conform to the profile {p}.",
      counts: "{v} violation(s), {w} warning(s), {i} info",
      problem: "The dataset could not be checked",
      missing: "The tool was opened without a callback nor siteUrl and datasetPid.",
      noCall: "The callback gave no getDatasetVersionMetadata URL.",
      fetchFailed: "Could not read {u}: {s}",
      where: "in the JSON",
      value: "value",
      inField: "in",
      severity: {Violation: "Violation", Warning: "Warning", Info: "Info"}
    },
    fr: {
      title: "Vérifier un jeu de données Dataverse avant dépôt",
      intro: "Cette page lit le jeu de données sur le site Dataverse depuis votre navigateur et le vérifie selon le profil {p}. Rien n'est conservé.",
      reading: "Lecture du jeu de données sur Dataverse…",
      validating: "Vérification des métadonnées selon le profil…",
      done: "Terminé.",
      report: "Rapport",
      conforms: "Les métadonnées du jeu de données sont conformes au profil {p}.",
      notConforms: "Les métadonnées du jeu de données ne sont PAS conformes au profil {p}.",
      counts: "{v} violation(s), {w} avertissement(s), {i} information(s)",
      problem: "Le jeu de données n'a pas pu être vérifié",
      missing: "L'outil a été ouvert sans callback ni siteUrl et datasetPid.",
      noCall: "Le callback n'a donné aucune URL getDatasetVersionMetadata.",
      fetchFailed: "Impossible de lire {u} : {s}",
      where: "dans le JSON",
      value: "valeur",
      inField: "dans",
      severity: {Violation: "Violation", Warning: "Avertissement", Info: "Information"}
    }
  };
  var lang = "en";

  function text(key, values) {
    var out = TEXT[lang][key];
    Object.keys(values || {}).forEach(function (k) { out = out.split("{" + k + "}").join(String(values[k])); });
    return out;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }

  function decodeCallback(value) {
    var b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    return atob(b64);
  }

  function getJson(url) {
    return fetch(url, {credentials: "omit", headers: {Accept: "application/json"}}).then(function (r) {
      if (!r.ok) { throw new Error(text("fetchFailed", {u: url.split("?")[0], s: r.status})); }
      return r.json();
    }, function (error) {
      throw new Error(text("fetchFailed", {u: url.split("?")[0], s: error.message}));
    });
  }

  function setStatus(message) { document.getElementById("dv-status").textContent = message; }

  function showProblem(title, detail) {
    var section = document.getElementById("dv-problem");
    document.getElementById("dv-problem-h").textContent = title;
    document.getElementById("dv-problem-detail").textContent = detail;
    section.hidden = false;
    setStatus(text("done"));
  }

  function showReport(profile, view) {
    document.getElementById("dv-report-h").textContent = text("report");
    var verdict = document.getElementById("dv-verdict");
    verdict.className = "verdict " + (view.conforms ? "ok" : "ko");
    verdict.textContent = text(view.conforms ? "conforms" : "notConforms", {p: profile}) + " ";
    verdict.appendChild(el("span", "muted", text("counts", {
      v: view.counts.violation || 0, w: view.counts.warning || 0, i: view.counts.info || 0
    })));
    var list = document.getElementById("dv-results");
    var order = {Violation: 0, Warning: 1, Info: 2};
    var results = (view.results || []).slice().sort(function (a, b) {
      return (order[a.severity] - order[b.severity]) || String((a.source || {}).pointer || "").localeCompare(String((b.source || {}).pointer || ""));
    });
    results.forEach(function (r) {
      var source = r.source || {};
      var item = el("li", "result sev-" + r.severity);
      item.dataset.severity = r.severity;
      item.appendChild(el("span", "badge sev-" + r.severity, TEXT[lang].severity[r.severity] || r.severity));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("strong", "field-name", source.title || r.field || r.path || ""));
      if (source.parent_title) {
        item.appendChild(el("span", "parent", " (" + text("inField") + " " + source.parent_title + ")"));
      }
      item.appendChild(el("span", "message", " — " + (r.message || "")));
      var facts = el("dl", "inline-facts");
      var pointer = source.pointer || r.pointer;
      if (pointer) {
        facts.appendChild(el("dt", null, text("where")));
        var dd = el("dd");
        dd.appendChild(el("code", "pointer", pointer));
        facts.appendChild(dd);
      }
      if (r.value !== null && r.value !== undefined) {
        facts.appendChild(el("dt", null, text("value")));
        var dv = el("dd");
        dv.appendChild(el("code", "value", r.value));
        facts.appendChild(dv);
      }
      item.appendChild(facts);
      list.appendChild(item);
    });
    document.getElementById("dv-report").hidden = false;
    setStatus(text("done"));
  }

  function chooseLanguage(code) {
    var primary = String(code || "").toLowerCase().split(/[-_]/)[0];
    lang = TEXT[primary] ? primary : "en";
    document.documentElement.setAttribute("lang", lang);
    document.getElementById("dv-title").textContent = text("title");
    var root = document.getElementById("dv-check");
    document.getElementById("dv-intro").textContent = text("intro", {p: root.dataset.profile});
  }

  function run() {
    var root = document.getElementById("dv-check");
    if (!root) { return; }
    var profile = root.dataset.profile;
    var params = new URLSearchParams(window.location.search);
    var query = {};
    params.forEach(function (value, key) { query[key] = value; });
    chooseLanguage(query.localeCode || query.lang || document.documentElement.lang);

    var located;
    if (params.has("callback")) {
      located = getJson(decodeCallback(params.get("callback"))).then(function (answer) {
        var data = answer.data || {};
        Object.keys(data.queryParameters || {}).forEach(function (k) { query[k] = data.queryParameters[k]; });
        chooseLanguage(query.localeCode || query.lang || lang);
        var found = (data.signedUrls || []).filter(function (u) { return u.name === "getDatasetVersionMetadata"; })[0];
        if (!found) { throw new Error(text("noCall")); }
        return found.signedUrl;
      });
    } else if (query.siteUrl && query.datasetPid) {
      var version = query.datasetVersion || ":latest-published";
      located = Promise.resolve(query.siteUrl.replace(/\/+$/, "") + "/api/datasets/:persistentId/versions/" +
        encodeURIComponent(version) + "?persistentId=" + encodeURIComponent(query.datasetPid));
    } else {
      showProblem(text("problem"), text("missing"));
      return;
    }
    setStatus(text("reading"));
    located.then(getJson).then(function (answer) {
      setStatus(text("validating"));
      var datasetVersion = answer && answer.data ? answer.data : answer;
      return fetch(root.dataset.validate + "?profile=" + encodeURIComponent(profile) + "&lang=" + lang, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "Accept-Language": lang},
        body: JSON.stringify(datasetVersion)
      });
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) { showReport(profile, body); } else { showProblem(text("problem"), body.detail || body.title || String(response.status)); }
      });
    }).catch(function (error) {
      showProblem(text("problem"), error.message);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
}());
