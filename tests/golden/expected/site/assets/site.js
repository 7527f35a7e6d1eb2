// Progressive enhancement only: every page is complete and usable without this file.
(function () {
  "use strict";
  // Also set before the first paint by the inline script in <head> (_head_script.html), so that the
  // stylesheet lays the page out as this file will leave it: nothing moves when it runs.
  document.documentElement.classList.add("js");

  // Tabs (WAI-ARIA tabs pattern). Without JS the tabs are in-page links to visible sections.
  function setupTabs(root) {
    var list = root.querySelector(".tablist");
    var tabs = Array.prototype.slice.call(list.querySelectorAll("a"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("href").slice(1)); });
    list.setAttribute("role", "tablist");
    tabs.forEach(function (tab, i) {
      tab.parentNode.setAttribute("role", "presentation");
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panels[i].id);
      panels[i].setAttribute("role", "tabpanel");
      panels[i].setAttribute("tabindex", "0");
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        select(i, true);
      });
      tab.addEventListener("keydown", function (event) {
        var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
        if (next === undefined) { return; }
        event.preventDefault();
        select((next + tabs.length) % tabs.length, true);
        tabs[(next + tabs.length) % tabs.length].focus();
      });
    });
    function select(index, remember) {
      tabs.forEach(function (tab, i) {
        var on = i === index;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.setAttribute("tabindex", on ? "0" : "-1");
        panels[i].hidden = !on;
      });
      if (remember && history.replaceState) { history.replaceState(null, "", "#" + panels[index].id); }
    }
    function fromHash() {
      // The panel named by the address, or the one holding the element it names (#assign-contact ...).
      var target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
      var index = panels.findIndex(function (panel) { return target !== null && panel.contains(target); });
      select(index < 0 ? 0 : index, false);
      if (target === null) { return; }
      if (panels.indexOf(target) < 0) {
        target.scrollIntoView();
      } else {
        // An address naming a whole tab (#sales-marketing) opens it with the page's header and the
        // partner's alerts still in view: the tab gets the focus and is scrolled to, not the panel.
        var tab = tabs[index];
        var bottom = tab.getBoundingClientRect().bottom + window.pageYOffset;
        window.scrollTo(0, bottom <= window.innerHeight ? 0 : bottom + 16 - window.innerHeight);
        tab.focus({ preventScroll: true });
      }
    }
    window.addEventListener("hashchange", fromHash);
    fromHash();
    root.classList.add("tabs-ready");
    // The browser scrolls to the address's element itself once the page has loaded: do it our way again.
    window.addEventListener("load", function () {
      if (location.hash.length > 1 && window.pageYOffset > 0) { fromHash(); }
    });
  }

  // List filters: the full list is in the page; the form only hides rows.
  function setupFilter(form) {
    var list = document.querySelector('[data-list="' + form.getAttribute("data-filter") + '"]');
    var items = Array.prototype.slice.call(list.querySelectorAll(".item"));
    var texts = items.map(function (item) {
      var link = item.querySelector("a");
      return (item.textContent + " " + (link ? link.getAttribute("href") : "")).toLowerCase();
    });
    var empty = document.querySelector(".empty");
    var count = form.querySelector(".count");
    form.hidden = false;
    function apply() {
      var q = form.elements.q ? form.elements.q.value.trim().toLowerCase() : "";
      var type = form.elements.type ? form.elements.type.value : "";
      var category = form.elements.category ? form.elements.category.value : "";
      var tier = form.elements.tier ? form.elements.tier.value : "";
      var alerts = form.elements.alerts ? form.elements.alerts.checked : false;
      var shown = 0;
      items.forEach(function (item, i) {
        var d = item.dataset;
        var ok = (!q || texts[i].indexOf(q) >= 0) &&
          (!type || (" " + d.types + " ").indexOf(" " + type + " ") >= 0) &&
          (!category || d.category === category) &&
          (!tier || (Number(d.rank) >= 0 && Number(d.rank) <= Number(tier))) &&
          (!alerts || Number(d.alerts) > 0);
        item.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (empty) { empty.hidden = shown > 0; }
      if (count) { count.textContent = shown + " / " + items.length; }
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }

  // Copy buttons on YAML snippets: without JS the button stays hidden and the text is selectable.
  function setupCopy(button) {
    var code = button.closest(".snippet").querySelector("pre code");
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = code.textContent;
      var done = function () {
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
      } else {
        fallback(text);
        done();
      }
    });
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selectable */ }
    document.body.removeChild(area);
  }

  // Paper shows every row: the folded groups (locked benefits) open for printing and fold again after.
  var unfolded = [];
  window.addEventListener("beforeprint", function () {
    unfolded = Array.prototype.filter.call(document.querySelectorAll("details.rows"), function (d) { return !d.open; });
    unfolded.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    unfolded.forEach(function (d) { d.open = false; });
    unfolded = [];
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".snippet button.copy"), setupCopy);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), setupTabs);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-filter]"), setupFilter);
  });
})();
