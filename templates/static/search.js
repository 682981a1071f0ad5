// Client-side search over the index in search-index.js. Works from file://:
// the index is a script, not fetched data.
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var index = window.THROUGHLINE_SEARCH || [];

  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var e = index[i];
      var name = e.n.toLowerCase(), id = e.i;
      var text = name + " " + id + " " + e.k.toLowerCase() + " " + e.d.toLowerCase();
      var score = 0, ok = true;
      for (var t = 0; t < terms.length; t++) {
        var term = terms[t];
        if (text.indexOf(term) < 0) { ok = false; break; }
        if (id === term) score += 100;
        if (name.indexOf(term) === 0 || id.indexOf(term) === 0) score += 10;
        if (name.indexOf(term) >= 0 || id.indexOf(term) >= 0) score += 5;
        score += 1;
      }
      if (ok) hits.push({ e: e, score: score });
    }
    hits.sort(function (a, b) { return b.score - a.score || a.e.n.localeCompare(b.e.n); });
    return hits.map(function (h) { return h.e; });
  }

  function item(e) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = root + e.u;
    var kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = e.k;
    a.appendChild(kind);
    a.appendChild(document.createTextNode(e.n + " (" + e.i + ")"));
    li.appendChild(a);
    return li;
  }

  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var form = input && input.form;
  if (input && list && form) {
    var current = [];
    input.addEventListener("input", function () {
      current = search(input.value).slice(0, 12);
      list.textContent = "";
      current.forEach(function (e, n) {
        var li = item(e);
        if (n === 0) li.firstChild.setAttribute("aria-selected", "true");
        list.appendChild(li);
      });
      list.hidden = current.length === 0;
    });
    form.addEventListener("submit", function (ev) {
      if (current.length) {
        ev.preventDefault();
        window.location.href = root + current[0].u;
      }
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { list.hidden = true; }
    });
  }

  // The search page lists every match for ?q=.
  var page = document.getElementById("search-page-results");
  if (page) {
    var q = new URLSearchParams(window.location.search).get("q") || "";
    if (input) input.value = q;
    var hits = search(q);
    var summary = document.getElementById("search-summary");
    if (q) summary.textContent = hits.length + " result" + (hits.length === 1 ? "" : "s") + " for \u201c" + q + "\u201d";
    hits.forEach(function (e) { page.appendChild(item(e)); });
  }
})();
