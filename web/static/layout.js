// Enhancements of the layout; every page works without this script.
(function () {
  "use strict";
  var menu = document.getElementById("bitu-menu");
  if (!menu) { return; }
  // Wide screens show the navigation without its menu button (CSS ::details-content); a
  // browser without that gets the menu opened here instead.
  var wide = window.matchMedia("(min-width: 56rem)");
  function follow() { if (wide.matches) { menu.open = true; } }
  follow();
  if (wide.addEventListener) { wide.addEventListener("change", follow); }
  // Escape closes the open menu on narrow screens and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
