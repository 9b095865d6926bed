// Applies the colour scheme the reader chose with the toggle button before the
// page is painted, so a dark page never flashes white. Loaded in <head>
// without defer; it must stay tiny. app.js owns the button itself.
(function () {
  try {
    var t = window.localStorage.getItem("kb-theme");
    if (t === "dark" || t === "light") {
      document.documentElement.setAttribute("data-theme", t);
    }
  } catch (e) {
    // Storage may be disabled; the system preference applies.
  }
})();
