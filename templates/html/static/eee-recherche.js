// eee — la recherche dans tout l'annuaire (page recherche.html). L'index est un script, recherche-index.js
// (window.EEE_RECHERCHE) : un navigateur l'exécute aussi pour un site ouvert depuis le disque (file://), où il
// refuse de lire un fichier JSON. Les mots tapés sont mis en minuscules et sans accents, comme le texte indexé.
(function () {
  "use strict";
  var entries = window.EEE_RECHERCHE || [];
  var form = document.getElementById("recherche-page");
  var field = document.getElementById("recherche-page-champ");
  var results = document.getElementById("resultats");
  var status = document.getElementById("resultats-compte");
  if (!form || !field || !results || !status) { return; }
  var root = form.dataset.racine || "";
  var LIMIT = 200;

  function norm(text) {
    return (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }
  function item(entry) {
    // entry : [page, nom, type, statut, territoires, texte]
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = root + entry[0];
    link.textContent = entry[1];
    li.appendChild(link);
    var detail = [entry[2], entry[3], entry[4]].filter(Boolean).join(" · ");
    if (detail) {
      var p = document.createElement("span");
      p.className = "resultat-detail";
      p.textContent = " — " + detail;
      li.appendChild(p);
    }
    return li;
  }
  function search(query) {
    var words = norm(query).split(" ").filter(Boolean);
    results.textContent = "";
    if (!words.length) {
      status.textContent = "Tapez un nom, une commune, un partenaire, un type ou un territoire.";
      return;
    }
    var found = entries.filter(function (entry) {
      var text = " " + entry[5] + " ";
      return words.every(function (w) { return text.indexOf(" " + w) !== -1; });
    });
    found.slice(0, LIMIT).forEach(function (entry) { results.appendChild(item(entry)); });
    var n = found.length;
    status.textContent = (n === 0 ? "Aucun résultat" : n === 1 ? "1 résultat" : n + " résultats") +
      " pour « " + query.trim() + " »" + (n > LIMIT ? " ; les " + LIMIT + " premiers sont affichés." : ".");
  }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  field.value = query;
  form.hidden = false;
  document.querySelectorAll(".sans-script").forEach(function (node) { node.hidden = true; });
  search(query);
  field.addEventListener("input", function () { search(field.value); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search(field.value);
    if (window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", "?q=" + encodeURIComponent(field.value)); } catch (e) { /* file:// */ }
    }
  });
})();
