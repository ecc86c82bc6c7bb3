/* The top bar's 菜单 button (core/base.html): opens the grouped menu in place instead of
   following its link to the home page's menu. The top bar shows the items that fit one line;
   the ones that wrap out of sight are taken out of the tab order (they are all in the menu). */
(function () {
  "use strict";
  var button = document.getElementById("nav-more");
  var panel = document.getElementById("site-menu");
  if (!button || !panel) return;

  function show(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.classList.toggle("open", open);
  }
  button.addEventListener("click", function (event) {
    event.preventDefault();
    show(panel.hidden);
  });
  panel.addEventListener("click", function (event) {
    if (event.target.closest("[data-menu-close]")) { show(false); button.focus(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { show(false); button.focus(); }
  });

  var row = document.querySelector(".mainnav .nav-items");
  function hideWrapped() {
    if (!row) return;
    var top = row.getBoundingClientRect().top;
    Array.prototype.forEach.call(row.children, function (link) {
      var wrapped = link.getBoundingClientRect().top - top > 4;
      if (wrapped) { link.setAttribute("tabindex", "-1"); link.setAttribute("aria-hidden", "true"); }
      else { link.removeAttribute("tabindex"); link.removeAttribute("aria-hidden"); }
    });
  }
  hideWrapped();
  window.addEventListener("resize", hideWrapped);
})();
