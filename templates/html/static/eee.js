// eee — filtres et tri des index de l'annuaire (tableaux ou cartes). Sans ce script, tout reste lisible :
// les pages par département tiennent lieu de filtres, et les liens par année scolaire mènent à la première ligne
// de chaque année (les actions et les événements vont de la plus récente à la plus ancienne). Aucune ressource externe.
(function () {
  "use strict";
  function norm(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }
  function plural(n, one, many) { return n + " " + (n < 2 ? one : many); }  // en français : 0 ligne, 1 ligne, 2 lignes

  document.querySelectorAll("form.filtres").forEach(function (form) {
    var target = document.getElementById(form.dataset.cible);
    if (!target) { return; }
    // Les lignes d'un tableau, ou les cartes d'une liste.
    var rows = Array.prototype.slice.call(target.tBodies ? target.tBodies[0].rows : target.children);
    var counter = document.getElementById(form.dataset.compte);
    form.hidden = false;
    function apply() {
      var words = norm(form.elements.q.value).split(" ").filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var ok = words.every(function (w) { return norm(row.textContent).indexOf(w) !== -1; });
        ["annee", "departement", "academie", "statut", "type"].forEach(function (name) {
          var select = form.elements[name];
          if (ok && select && select.value) {
            ok = (row.dataset[name] || "").split(" ").indexOf(select.value) !== -1;
          }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (counter) {
        counter.textContent = target.tBodies ? plural(shown, "ligne affichée", "lignes affichées") + " sur " + rows.length + "."
          : plural(shown, "fiche affichée", "fiches affichées") + " sur " + rows.length + ".";
      }
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    apply();  // le compte dès l'ouverture, et les filtres qu'un navigateur a pu garder au retour
  });

  // Une date s'affiche « 18 octobre 2024 » et se trie par sa forme ISO (l'attribut datetime de <time>).
  var ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
  function sortKey(cell) {
    var time = cell.querySelector("time[datetime]");
    return time ? time.getAttribute("datetime") : cell.textContent.trim();
  }

  document.querySelectorAll("table.index").forEach(function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var sorted = Array.prototype.slice.call(body.rows).sort(function (a, b) {
          var x = sortKey(a.cells[column]), y = sortKey(b.cells[column]);
          // Deux nombres par leur valeur ; le reste, dates ISO comprises, dans l'ordre du texte.
          var nx = parseFloat(x), ny = parseFloat(y);
          var numbers = !isNaN(nx) && !isNaN(ny) && !(ISO_DATE.test(x) && ISO_DATE.test(y));
          var result = numbers ? nx - ny : x.localeCompare(y, "fr", { sensitivity: "base" });
          return ascending ? result : -result;
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
