// kb default theme: fenced ```mermaid blocks drawn as diagrams by the
// vendored mermaid (loaded only on pages that have such a block). Labels are
// SVG text, never HTML (htmlLabels: false), and securityLevel "strict"; the
// diagram is shown as an <img> of its SVG, so the page's Content-Security-
// Policy (no inline styles) holds and nothing in it can run. Without
// JavaScript, or when a diagram does not parse, the block stays code.
(function () {
  "use strict";
  if (!window.mermaid) return;
  var dark = (document.documentElement.getAttribute("data-theme") || "") === "dark" ||
    (!document.documentElement.getAttribute("data-theme") && window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  window.mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    htmlLabels: false,
    flowchart: { htmlLabels: false },
    theme: dark ? "dark" : "default",
  });
  var blocks = document.querySelectorAll("code.language-mermaid");
  Array.prototype.forEach.call(blocks, function (code, i) {
    var box = code.closest(".code") || code.parentElement;
    window.mermaid.render("kb-diagram-" + i, code.textContent).then(function (out) {
      var fig = document.createElement("figure");
      fig.className = "diagram";
      var img = document.createElement("img");
      img.alt = "Diagram: " + code.textContent.trim().split("\n")[0];
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(out.svg);
      fig.appendChild(img);
      box.parentNode.insertBefore(fig, box);
      box.hidden = true;
    }).catch(function (err) {
      // Not a diagram mermaid understands: the code stays visible.
      if (window.console) console.warn("kb: diagram not drawn:", err && err.message);
    });
  });
})();
