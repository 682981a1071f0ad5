// Live reload for `throughline serve`: reloads the page after a rebuild and
// shows the check's errors over the page while a spec is broken.
(function () {
  "use strict";
  var overlay = null;

  function show(problems) {
    if (!overlay) {
      overlay = document.createElement("section");
      overlay.className = "tl-overlay";
      overlay.setAttribute("role", "alert");
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("h2");
    title.textContent = problems.title;
    overlay.appendChild(title);
    var list = document.createElement("ul");
    problems.items.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p;
      list.appendChild(li);
    });
    overlay.appendChild(list);
    var note = document.createElement("p");
    note.textContent = "Fix the specs and save: this page reloads by itself.";
    overlay.appendChild(note);
  }

  function clear() {
    if (overlay) { overlay.remove(); overlay = null; }
  }

  var events = new EventSource("/__throughline/events");
  events.addEventListener("open", function () { document.documentElement.dataset.live = "connected"; });
  events.addEventListener("reload", function () { window.location.reload(); });
  events.addEventListener("problems", function (e) { show(JSON.parse(e.data)); });
  events.addEventListener("clear", clear);
})();
