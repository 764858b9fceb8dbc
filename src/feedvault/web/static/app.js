// Keyboard shortcuts: j/k move through the list, o opens, / focuses search.
// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var index = -1;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("main .item"));
  }

  function select(next) {
    var list = items();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, next));
    list.forEach(function (el, i) { el.classList.toggle("selected", i === index); });
    list[index].scrollIntoView({ block: "nearest" });
  }

  function open() {
    var list = items();
    var link = null;
    if (index >= 0 && list[index]) {
      link = list[index].querySelector("a.title");
    } else {
      link = document.getElementById("original");
    }
    if (link && link.href) { window.location.href = link.href; }
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
      (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    if (event.key === "j") { select(index + 1); event.preventDefault(); }
    else if (event.key === "k") { select(index - 1); event.preventDefault(); }
    else if (event.key === "o" || event.key === "Enter" && index >= 0) {
      open(); event.preventDefault();
    } else if (event.key === "/") {
      var box = document.getElementById("q");
      if (box) { box.focus(); box.select(); event.preventDefault(); }
    }
  });
}());
