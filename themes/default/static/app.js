// kb default theme: dark-mode toggle, "/" to search, copy buttons on code
// blocks and the current section in the table of contents.
// Everything works without it; it only adds conveniences.
(function () {
  "use strict";

  var root = document.documentElement;

  // ---- dark mode toggle, remembered in localStorage ----
  function systemDark() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  function currentScheme() {
    var t = root.getAttribute("data-theme");
    if (t === "dark" || t === "light") return t;
    return systemDark() ? "dark" : "light";
  }
  var toggle = document.getElementById("theme-toggle");
  function syncToggle() {
    if (toggle) toggle.setAttribute("aria-pressed", currentScheme() === "dark" ? "true" : "false");
  }
  if (toggle) {
    syncToggle();
    toggle.addEventListener("click", function () {
      var next = currentScheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        window.localStorage.setItem("kb-theme", next);
      } catch (e) {
        // Not remembered, but applied for this page.
      }
      syncToggle();
    });
  }

  // ---- "/" focuses the search box ----
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var q = document.getElementById("q");
    if (!q) return;
    ev.preventDefault();
    q.focus();
    q.select();
  });
  var q = document.getElementById("q");
  if (q) {
    q.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") q.blur();
    });
  }

  // ---- copy buttons on code blocks ----
  // legacyCopy copies through a hidden textarea and the old copy command:
  // plain http on an internal network has no Clipboard API.
  function legacyCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "visually-hidden";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(ta);
    return ok;
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        if (!legacyCopy(text)) throw new Error("copy failed");
      });
    }
    return new Promise(function (resolve, reject) {
      if (legacyCopy(text)) resolve();
      else reject(new Error("copy failed"));
    });
  }
  function addCopyButton(pre) {
    // render wraps each code block in <div class="code">; wrap a bare <pre> likewise.
    var wrap = pre.parentNode;
    if (!wrap.classList || !wrap.classList.contains("code")) {
      wrap = document.createElement("div");
      wrap.className = "code-block";
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
    }
    if (wrap.querySelector(".copy-button")) return;
    wrap.classList.add("has-copy");
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "copy-button";
    btn.textContent = "Copy";
    btn.setAttribute("aria-label", "Copy code to clipboard");
    btn.addEventListener("click", function () {
      var code = pre.querySelector("code") || pre;
      copyText(code.innerText.replace(/\n$/, "")).then(
        function () {
          btn.textContent = "Copied";
          btn.classList.add("copied");
          setTimeout(function () {
            btn.textContent = "Copy";
            btn.classList.remove("copied");
          }, 2000);
        },
        function () {
          btn.textContent = "Press Ctrl+C";
          var range = document.createRange();
          range.selectNodeContents(code);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
        }
      );
    });
    wrap.appendChild(btn);
  }
  var pres = document.querySelectorAll(".prose pre");
  for (var i = 0; i < pres.length; i++) addCopyButton(pres[i]);

  // ---- highlight the current section in the sidebar ----
  var side = document.querySelector(".toc-side");
  if (side && "IntersectionObserver" in window) {
    var links = {};
    var all = side.querySelectorAll("a[href^='#']");
    for (var k = 0; k < all.length; k++) links[decodeURIComponent(all[k].getAttribute("href").slice(1))] = all[k];
    var active = null;
    var observer = new IntersectionObserver(
      function (entries) {
        for (var n = 0; n < entries.length; n++) {
          var e = entries[n];
          if (!e.isIntersecting) continue;
          var l = links[e.target.id];
          if (!l) continue;
          if (active) active.classList.remove("active");
          l.classList.add("active");
          active = l;
        }
      },
      { rootMargin: "0px 0px -70% 0px" }
    );
    for (var id in links) {
      var el = document.getElementById(id);
      if (el) observer.observe(el);
    }
  }
})();
