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

  // ---- "/" and Ctrl+K focus the search box ----
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  // Ctrl+K and ⌘K open search too, as on most documentation sites; they
  // work while typing in another field, "/" does not.
  document.addEventListener("keydown", function (ev) {
    var combo = (ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && (ev.key === "k" || ev.key === "K");
    if (!combo && (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement))) return;
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

  // ---- navigation tree ----
  // Open beside the page on wide screens (where ::details-content is not
  // supported), a closed drawer on phones; the current page scrolled into
  // view inside the tree; closed folders load their entries when opened.
  var drawer = document.getElementById("nav-drawer");
  if (drawer) {
    var wide = window.matchMedia("(min-width: 62rem)");
    var fit = function () {
      if (wide.matches) drawer.open = true;
    };
    fit();
    if (wide.addEventListener) wide.addEventListener("change", fit);
    var centre = function () {
      var tree = drawer.querySelector(".nav-tree");
      var cur = tree && tree.querySelector('[aria-current="page"]');
      if (!cur || tree.scrollHeight <= tree.clientHeight) return;
      var top = cur.getBoundingClientRect().top - tree.getBoundingClientRect().top + tree.scrollTop;
      tree.scrollTop = Math.max(0, top - tree.clientHeight / 2);
    };
    centre();
    drawer.addEventListener("toggle", centre);
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && drawer.open && !wide.matches) drawer.open = false;
    });
    drawer.addEventListener("toggle", function (ev) {
      var d = ev.target;
      var src = d.getAttribute && d.getAttribute("data-nav");
      if (!d.open || !src) return;
      d.removeAttribute("data-nav");
      fetch(src, { headers: { Accept: "text/html" } })
        .then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.text();
        })
        .then(function (html) {
          var list = d.querySelector(".nav-list");
          var t = document.createElement("template");
          t.innerHTML = html;
          var got = t.content.querySelector(".nav-list");
          if (list && got) list.replaceWith(got);
        })
        .catch(function () {
          d.setAttribute("data-nav", src); // the link to the folder's page stays; try again next time
        });
    }, true);
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

  // ---- words of the search marked in the opened article ----
  // A result links to /article?hl=words#section: the page itself is the
  // same for every query (and cached as such); the words are marked here,
  // as text nodes wrapped in <mark>, and the first mark of the section
  // opened is scrolled into view.
  (function () {
    if (!window.URLSearchParams) return;
    var hl = new URLSearchParams(location.search).get("hl");
    var root = document.querySelector(".prose");
    if (!hl || !root) return;
    var words = hl.split(/\s+/).filter(function (w) { return w.length >= 2; }).slice(0, 8);
    var alts = [];
    for (var i = 0; i < words.length; i++) {
      // a word and its other endings: restarting marks restart, restarts
      var w = words[i].toLowerCase(), tail = "";
      if (w.length > 5) {
        w = w.slice(0, Math.max(4, w.length - 3));
        tail = "[\\w-]*";
      }
      alts.push(w.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&") + tail);
    }
    if (!alts.length) return;
    var re = new RegExp("(^|[^\\w])(" + alts.join("|") + ")(?![\\w])", "gi");
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    var nodes = [];
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentNode && !/^(SCRIPT|STYLE|MARK|BUTTON)$/.test(n.parentNode.nodeName)) nodes.push(n);
    }
    var marks = [];
    for (var j = 0; j < nodes.length && marks.length < 500; j++) {
      var text = nodes[j].nodeValue;
      re.lastIndex = 0;
      if (!re.test(text)) continue;
      re.lastIndex = 0;
      var frag = document.createDocumentFragment(), last = 0, m;
      while ((m = re.exec(text))) {
        var start = m.index + m[1].length;
        frag.appendChild(document.createTextNode(text.slice(last, start)));
        var mk = document.createElement("mark");
        mk.className = "hl";
        mk.textContent = m[2];
        frag.appendChild(mk);
        marks.push(mk);
        last = start + m[2].length;
      }
      frag.appendChild(document.createTextNode(text.slice(last)));
      nodes[j].parentNode.replaceChild(frag, nodes[j]);
    }
    if (!location.hash && marks.length) marks[0].scrollIntoView({ block: "center" });
  })();

  // ---- search as you type ----
  // The search box asks /api/v1/search while typing (debounced) and lists
  // the best matches under it; arrow keys move, Enter opens, Escape closes.
  // On /search the results on the page are replaced instead. Without
  // JavaScript the form still submits to /search.
  var box = document.getElementById("q");
  var form = box && box.form;
  var pageResults = document.getElementById("search-results");
  if (box && form && window.fetch && window.URLSearchParams) {
    var list = document.createElement("ul");
    list.className = "live-results";
    list.id = "live-results";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    form.appendChild(list);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", "live-results");
    var timer = null, seq = 0, selected = -1, items = [];
    function pageHits() {
      var hs = Array.prototype.slice.call(pageResults.querySelectorAll(".hit"));
      for (var i = 0; i < hs.length; i++) hs[i].id = "hit-" + i;
      return hs;
    }
    if (pageResults) items = pageHits();

    // snippetNodes copies the server's snippet (escaped text with <mark>)
    // as text and <mark> elements only, never as markup.
    function snippetNodes(html, into) {
      var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
      var nodes = doc.body.firstChild ? doc.body.firstChild.childNodes : [];
      for (var i = 0; i < nodes.length; i++) {
        var n = nodes[i];
        if (n.nodeType === 3) into.appendChild(document.createTextNode(n.nodeValue));
        else if (n.nodeName === "MARK") {
          var m = document.createElement("mark");
          m.textContent = n.textContent;
          into.appendChild(m);
        } else into.appendChild(document.createTextNode(n.textContent || ""));
      }
    }
    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      selected = -1;
    }
    function select(i) {
      if (!items.length) return;
      if (selected >= 0 && items[selected]) items[selected].setAttribute("aria-selected", "false");
      selected = (i + items.length) % items.length;
      items[selected].setAttribute("aria-selected", "true");
      box.setAttribute("aria-activedescendant", items[selected].id);
      items[selected].scrollIntoView({ block: "nearest" });
    }
    function show(data, q) {
      list.textContent = "";
      items = [];
      selected = -1;
      var hits = data.hits || [];
      if (!hits.length && data.suggestions && data.suggestions.runbooks) hits = data.suggestions.runbooks;
      for (var i = 0; i < hits.length; i++) {
        var h = hits[i];
        var li = document.createElement("li");
        li.className = "live-item";
        li.id = "live-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var a = document.createElement("a");
        a.href = h.hit_url || h.url;
        a.tabIndex = -1;
        var t = document.createElement("span");
        t.className = "live-title";
        t.textContent = h.title;
        a.appendChild(t);
        var meta = document.createElement("span");
        meta.className = "live-meta";
        // where it is: the folder tells equal titles apart; the section is
        // where the page opens
        meta.textContent = h.type + (h.service ? " · " + h.service : "") + (h.folder ? " · " + h.folder.split("/").join(" › ") : "") + (h.section ? " › § " + h.section.title : "");
        a.appendChild(meta);
        if (h.matched_ticket) {
          var tk = document.createElement("span");
          tk.className = "live-ticket";
          tk.textContent = "Matched a solved ticket: " + h.matched_ticket.key + " " + h.matched_ticket.title;
          a.appendChild(tk);
        }
        if (h.snippet || h.summary) {
          var sn = document.createElement("span");
          sn.className = "live-snippet";
          if (h.snippet) snippetNodes(h.snippet, sn);
          else sn.textContent = h.summary;
          a.appendChild(sn);
        }
        li.appendChild(a);
        list.appendChild(li);
        items.push(li);
      }
      var more = document.createElement("li");
      more.className = "live-more";
      var ma = document.createElement("a");
      ma.href = "/search?q=" + encodeURIComponent(q);
      ma.tabIndex = -1;
      ma.textContent = hits.length ? "All " + (data.total || hits.length) + " results for \u201c" + q + "\u201d" : "No results for \u201c" + q + "\u201d: search tips";
      more.appendChild(ma);
      list.appendChild(more);
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
    }
    function run() {
      var q = box.value.trim();
      if (!q) {
        close();
        return;
      }
      var mine = ++seq;
      var params = new URLSearchParams({ q: q, limit: "8" });
      fetch("/api/v1/search?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (data) {
          if (mine !== seq || !data) return; // a newer query was typed, or this one was refused
          if (pageResults) refreshPage(q);
          else show(data, q);
        })
        .catch(function () {
          // Offline or the server is restarting: the form still works.
        });
    }
    // refreshPage swaps the results of /search for those of the new query,
    // fetched as a whole page, so the page and its no-JavaScript form agree.
    function refreshPage(q) {
      var url = "/search?q=" + encodeURIComponent(q);
      var mine = seq;
      fetch(url, { headers: { Accept: "text/html" } })
        .then(function (r) {
          return r.text();
        })
        .then(function (html) {
          if (mine !== seq) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("search-results");
          if (!fresh) return;
          pageResults.replaceChildren.apply(pageResults, Array.prototype.slice.call(fresh.childNodes).map(function (n) {
            return document.importNode(n, true);
          }));
          history.replaceState(null, "", url);
          items = pageHits();
          selected = -1;
        })
        .catch(function () {});
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") {
        if (!pageResults && list.hidden) run();
        ev.preventDefault();
        select(selected + 1);
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        select(selected - 1);
      } else if (ev.key === "Enter" && selected >= 0 && items[selected]) {
        var link = items[selected].querySelector("a");
        if (link) {
          ev.preventDefault();
          link.click(); // as a click: the search statistics see it
        }
      } else if (ev.key === "Escape") {
        close();
      }
    });
    document.addEventListener("click", function (ev) {
      if (!form.contains(ev.target)) close();
    });
  }

  // ---- live reload (kb serve --watch) ----
  // The server names the content version at connect and after every change;
  // the page reloads only when its own ETag changed, so editing one article
  // does not reload every open page, and a restarted server (same content,
  // same ETag) never causes a reload loop.
  var liveURL = document.body.getAttribute("data-live");
  if (liveURL && window.EventSource && window.fetch) {
    var pageTag = function () {
      return fetch(location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" })
        .then(function (r) {
          return r.ok ? r.headers.get("ETag") : null;
        })
        .catch(function () {
          return null;
        });
    };
    var loadedTag = pageTag();
    var source = new EventSource(liveURL);
    source.addEventListener("version", function () {
      Promise.all([loadedTag, pageTag()]).then(function (tags) {
        if (tags[0] && tags[1] && tags[0] !== tags[1]) location.reload();
      });
    });
  }

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

// Search statistics: opening a result tells kb which result a query led
// to (POST /api/v1/search/opened, q and url, no identity). Links work
// without it.
(function () {
  "use strict";
  if (!navigator.sendBeacon || !window.URLSearchParams) return;
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("#search-results a[href], #live-results a[href]");
    if (!a || a.origin !== location.origin || a.pathname === "/search") return;
    var box = document.getElementById("q");
    var q = (box && box.value) || new URLSearchParams(location.search).get("q") || "";
    if (!q.trim()) return;
    navigator.sendBeacon("/api/v1/search/opened", new URLSearchParams({ q: q, url: a.pathname }));
  }, true);
})();

// Runbooks: checklists whose ticks are kept per incident, and "this helped"
// without leaving the page. Reading never needs this.
(function () {
  "use strict";

  // ---- checklists: task-list items, ticks in localStorage ----
  // One incident is one runbook with one set of alert labels: the key is the
  // page's path and its sorted query parameters (mode and helped left out).
  // The renderer writes every box enabled and labelled (input.task-check),
  // directly in the <li> of a tight list or in its <p> in a loose one.
  var items = document.querySelectorAll(".prose li.task-list-item input.task-check");
  var bar = document.querySelector(".checklist-bar");
  if (items.length && bar) {
    var params = [];
    location.search.replace(/^\?/, "").split("&").forEach(function (p) {
      if (!p) return;
      var name = decodeURIComponent(p.split("=")[0].replace(/\+/g, " "));
      if (name !== "mode" && name !== "helped" && name !== "hl") params.push(p);
    });
    params.sort();
    var key = "kb.checklist:" + location.pathname + "?" + params.join("&");
    var ticks = {};
    try { ticks = JSON.parse(localStorage.getItem(key) || "{}") || {}; } catch (e) { ticks = {}; }
    var count = bar.querySelector(".checklist-count");
    var sync = function () {
      var done = 0;
      for (var i = 0; i < items.length; i++) {
        items[i].checked = !!ticks[i];
        var li = items[i].closest("li");
        if (li) li.classList.toggle("done", !!ticks[i]);
        if (ticks[i]) done++;
      }
      if (count) count.textContent = done + " of " + items.length + " steps done";
    };
    var save = function () {
      try {
        if (Object.keys(ticks).length) localStorage.setItem(key, JSON.stringify(ticks));
        else localStorage.removeItem(key);
      } catch (e) { /* private mode: ticks last as long as the page */ }
    };
    for (var i = 0; i < items.length; i++) {
      (function (n) {
        var box = items[n];
        box.addEventListener("change", function () {
          if (box.checked) ticks[n] = 1; else delete ticks[n];
          save();
          sync();
        });
      })(i);
    }
    var list = items[0].closest("ul, ol");
    if (list) list.parentNode.insertBefore(bar, list); // the bar sits above the first checklist
    bar.hidden = false;
    bar.querySelector(".checklist-reset").addEventListener("click", function () {
      ticks = {};
      save();
      sync();
    });
    sync();
  }

  // ---- "this helped" without a page load ----
  var form = document.getElementById("helpful");
  if (form && window.fetch) {
    var status = form.querySelector(".helpful-status");
    var button = form.querySelector("button");
    var done = "kb.helped:" + form.getAttribute("action");
    try {
      if (localStorage.getItem(done)) {
        button.disabled = true;
        if (status) status.textContent = "You said this helped. Thanks.";
      }
    } catch (e) { /* no storage: the button stays */ }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      button.disabled = true;
      fetch(form.getAttribute("action"), { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(r.status);
          try { localStorage.setItem(done, "1"); } catch (e) { /* ignore */ }
          if (status) status.textContent = "Thanks: recorded that this helped.";
        })
        .catch(function () {
          button.disabled = false;
          if (status) status.textContent = "Could not record it; try again.";
        });
    });
  }
})();
