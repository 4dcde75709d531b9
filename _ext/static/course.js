// The course's additions to the theme (issue 14). Jupyter Book links every
// .js in _static/ into every page.
(function () {
  "use strict";

  // 1. A figure drawn smaller than its pixels (a phone shows a 900-pixel
  // figure at 40%, tick labels at 5 px) gets a tap or Enter to open it at
  // full size, in an overlay that scrolls both ways.
  var FIGURES = ".cell_output img, .dl-widget img.dl-frame, figure img";
  var SHRUNK = 0.75; // below this share of its pixels a figure gets the hint

  function scale(img) {
    return img.naturalWidth ? img.getBoundingClientRect().width / img.naturalWidth : 1;
  }

  function mark(img) {
    var s = scale(img), zoom = s < 0.95;
    img.classList.toggle("dl-zoomable", zoom);
    if (zoom) {
      img.setAttribute("tabindex", "0");
      img.setAttribute("role", "button");
      img.setAttribute("aria-haspopup", "dialog");
      img.title = "Open the figure at full size";
    } else {
      ["tabindex", "role", "aria-haspopup", "title"].forEach(function (a) { img.removeAttribute(a); });
    }
    var hint = img.nextElementSibling;
    var has = hint && hint.classList.contains("dl-zoom-hint");
    if (zoom && s < SHRUNK && !has) {
      hint = document.createElement("span");
      hint.className = "dl-zoom-hint";
      hint.textContent = "Tap the figure to see it at full size.";
      img.insertAdjacentElement("afterend", hint);
    } else if (has && !(zoom && s < SHRUNK)) {
      hint.remove();
    }
  }

  function open(img) {
    var overlay = document.createElement("div");
    overlay.className = "dl-zoom-overlay";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "The figure at full size");
    var big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt;
    big.width = img.naturalWidth; // one image pixel per CSS pixel
    var close = document.createElement("button");
    close.className = "dl-zoom-close";
    close.type = "button";
    close.textContent = "Close \u00d7";
    function shut() {
      overlay.remove(); close.remove();
      document.removeEventListener("keydown", onKey);
      img.focus();
    }
    function onKey(e) { if (e.key === "Escape") shut(); }
    close.addEventListener("click", shut);
    overlay.addEventListener("click", function (e) { if (e.target === overlay) shut(); });
    document.addEventListener("keydown", onKey);
    overlay.appendChild(big);
    document.body.appendChild(overlay);
    document.body.appendChild(close);
    close.focus();
  }

  // 2. A display equation or code block wider than its box: a shadow on the
  // side that holds more, updated as it scrolls.
  var WIDE = "div.math, mjx-container[display='true'], div.highlight pre, .cell_output pre";

  function shade(el) {
    var overflow = getComputedStyle(el).overflowX;
    var more = (overflow === "auto" || overflow === "scroll") && el.scrollWidth - el.clientWidth > 1;
    el.classList.toggle("dl-more-left", more && el.scrollLeft > 1);
    el.classList.toggle("dl-more-right", more && el.scrollLeft < el.scrollWidth - el.clientWidth - 1);
  }

  function refresh() {
    document.querySelectorAll(FIGURES).forEach(mark);
    document.querySelectorAll(WIDE).forEach(shade);
  }

  // 3. Search results quote the page's text: without this they show the
  // TeX source of every formula, "\(g \leftarrow ...\)". A formula becomes
  // an ellipsis in the quote.
  function plainSearchSummaries() {
    if (!window.Search || !Search.htmlToText || Search.htmlToText.dlPlain) return;
    var original = Search.htmlToText;
    Search.htmlToText = function (html, anchor) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".math, script[type^='math']").forEach(function (m) {
        m.replaceWith("\u2026");
      });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.htmlToText.dlPlain = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    plainSearchSummaries();
    refresh();
    document.querySelectorAll(FIGURES).forEach(function (img) {
      img.addEventListener("load", function () { mark(img); });
    });
    // MathJax typesets after load and changes the equations' widths
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(refresh);
    }
  });
  // scroll events do not bubble; captured here for every box at once
  document.addEventListener("scroll", function (e) {
    var el = e.target;
    if (el.matches && el.matches(WIDE)) shade(el);
  }, { capture: true, passive: true });
  window.addEventListener("load", function () {
    refresh();
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(refresh);
    }
  });
  window.addEventListener("resize", refresh);
  document.addEventListener("click", function (e) {
    var img = e.target.closest && e.target.closest("img.dl-zoomable");
    if (img) open(img);
  });
  document.addEventListener("keydown", function (e) {
    var img = e.target;
    if ((e.key === "Enter" || e.key === " ") && img.matches && img.matches("img.dl-zoomable")) {
      e.preventDefault();
      open(img);
    }
  });
})();
