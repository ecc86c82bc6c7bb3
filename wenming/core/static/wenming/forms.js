/* Form errors (core/_field.html, core/_form_errors.html): a field's red message goes away as
   soon as the person changes that field, and its line in the summary above the form with it;
   the server checks everything again on the next submit. The summary's links focus the field. */
(function () {
  "use strict";

  function summaryOf(box) {
    var form = box.closest("form");
    return form ? form.querySelector(".form-errors") : null;
  }

  function clearField(box) {
    if (!box || !box.classList.contains("has-error")) { return; }
    box.classList.remove("has-error");
    box.querySelectorAll(".field-error").forEach(function (p) { p.remove(); });
    var summary = summaryOf(box);
    if (!summary) { return; }
    summary.querySelectorAll('.form-errors-list li[data-for="' + box.id + '"]').forEach(function (li) { li.remove(); });
    if (!summary.querySelector(".form-errors-list li")) {
      summary.querySelectorAll(".form-errors-hint, .form-errors-list").forEach(function (el) { el.remove(); });
      if (!summary.textContent.trim()) { summary.remove(); }
    }
  }

  function changed(event) {
    var target = event.target;
    if (!target || !target.closest) { return; }
    var box = target.closest(".field.has-error");
    if (!box) { return; }
    if (target.type !== "checkbox" && target.type !== "radio" && target.tagName !== "SELECT" &&
        typeof target.value === "string" && target.value.trim() === "") { return; }  // still empty
    clearField(box);
  }

  document.addEventListener("input", changed, true);
  document.addEventListener("change", changed, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".form-errors-list a[href^='#']");
    if (!link) { return; }
    var box = document.getElementById(link.getAttribute("href").slice(1));
    var form = link.closest("form") || document;
    var input = box ? box.querySelector("input:not([type=hidden]), select, textarea")
                    : form.querySelector('[name="' + link.getAttribute("data-name") + '"]');
    if (!input) { return; }
    event.preventDefault();
    (box || input).scrollIntoView({block: "center"});
    input.focus({preventScroll: true});
  });
})();
