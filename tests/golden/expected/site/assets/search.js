// The search box: filters this language's index (search.json, written by the build) as the reader types.
// Progressive enhancement: without JavaScript the form stays hidden (the `hidden` attribute); with it, the
// stylesheet shows the form from the first paint (the `js` class set in <head>), so nothing moves when
// this file runs, and the results open over the page, not in its flow. The index is fetched from the
// site itself the first time the box is used: nothing is sent anywhere.
(function () {
  "use strict";
  var LIMIT = 8;

  function fold(text) {
    return (text || "").normalize("NFKC").toLowerCase();
  }

  function setup(form) {
    var input = form.querySelector("input[type=search]");
    var list = form.querySelector(".search-results");
    var status = form.querySelector("[aria-live]");
    var base = new URL(form.getAttribute("data-index"), location.href);
    var items = null;
    var loading = null;
    form.hidden = false;

    function load() {
      if (!loading) {
        loading = fetch(base.href).then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        }).then(function (index) {
          items = index.items.map(function (item) {
            return { item: item, title: fold(item.title),
                     text: fold([item.title, item.kind, item.summary, item.keywords].join(" ")) };
          });
        }, function () { items = []; });
      }
      return loading;
    }

    function links() {
      return Array.prototype.slice.call(list.querySelectorAll("a"));
    }

    function close() {
      list.hidden = true;
    }

    function search(query) {
      var terms = fold(query).split(/\s+/).filter(Boolean);
      if (!terms.length) { return []; }
      var whole = terms.join(" ");
      var found = [];
      items.forEach(function (entry, order) {
        if (!terms.every(function (term) { return entry.text.indexOf(term) >= 0; })) { return; }
        // Titles that start with the query first, then titles that hold every word, then the rest.
        var rank = entry.title.indexOf(whole) === 0 ? 0
          : terms.every(function (term) { return entry.title.indexOf(term) >= 0; }) ? 1 : 2;
        found.push({ rank: rank, order: order, item: entry.item });
      });
      found.sort(function (a, b) { return a.rank - b.rank || a.order - b.order; });
      return found.map(function (f) { return f.item; });
    }

    function show() {
      var query = input.value.trim();
      if (!query) { list.replaceChildren(); status.textContent = ""; close(); return; }
      var found = search(query);
      var rows = found.slice(0, LIMIT).map(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = new URL(item.url, base).href;
        var title = document.createElement("span");
        title.className = "search-title";
        title.textContent = item.title;
        if (item.lang) { title.lang = item.lang; }
        var kind = document.createElement("span");
        kind.className = "search-kind";
        kind.textContent = item.kind;
        a.append(title, " ", kind);
        if (item.summary) {
          var summary = document.createElement("span");
          summary.className = "search-summary";
          summary.textContent = item.summary;
          a.append(summary);
        }
        li.append(a);
        return li;
      });
      if (!rows.length) {
        var none = document.createElement("li");
        none.className = "search-none";
        none.textContent = form.getAttribute("data-none");
        rows.push(none);
      }
      list.replaceChildren.apply(list, rows);
      list.hidden = false;
      status.textContent = found.length ? form.getAttribute("data-count").replace("{n}", String(found.length))
        : form.getAttribute("data-none");
    }

    function update() {
      if (items) { show(); } else { load().then(show); }
    }

    input.addEventListener("focus", load);
    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {
      var all = links();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        all[0].focus();
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Enter") {
        // Enter opens the first result (the one listed first, so the reader sees where it goes).
        event.preventDefault();
        if (all.length) { location.href = all[0].href; }
      }
    });
    list.addEventListener("keydown", function (event) {
      var all = links();
      var i = all.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && i < all.length - 1) {
        event.preventDefault();
        all[i + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (i > 0 ? all[i - 1] : input).focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
        input.focus();
      }
    });
    form.addEventListener("focusout", function (event) {
      if (!form.contains(event.relatedTarget)) { close(); }
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.search[data-index]"), setup);
  });
})();
