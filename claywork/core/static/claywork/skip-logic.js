/*
 * Skip logic of a questionnaire: a question whose fieldset says data-enable-when="item_2=1"
 * is shown only while question 2 is shown and answered 1 (any of several tokens will do).
 * A hidden question is also disabled, so the browser does not send its answer. Without this
 * script every question shows, with its rule in words; the server drops answers to skipped
 * questions either way (instruments.asked_answers).
 */
(function () {
  "use strict";

  function conditionHolds(form, token) {
    var parts = token.split("=");
    var checked = form.querySelector("input[name='" + parts[0] + "']:checked");
    if (!checked || checked.disabled) { return false; }
    return checked.value === parts[1];
  }

  function update(form) {
    // Document order: a question only depends on earlier ones, so one pass settles them all.
    form.querySelectorAll("fieldset[data-enable-when]").forEach(function (fieldset) {
      var tokens = fieldset.dataset.enableWhen.split(" ");
      var asked = tokens.some(function (token) { return conditionHolds(form, token); });
      fieldset.hidden = !asked;
      fieldset.disabled = !asked;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.scale").forEach(function (form) {
      if (!form.querySelector("fieldset[data-enable-when]")) { return; }
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
  });
})();
