/*
 * Claywork's only script besides htmx. It keeps a patient's writing safe when the server
 * cannot be reached: the text is copied to this browser's storage only when an autosave or a
 * submit fails, and removed again once the server confirms it has the words.
 */
(function () {
  "use strict";

  function storageKey(form) {
    return "claywork-draft:" + (document.body.dataset.user || "anon") + ":" + form.dataset.draftKey;
  }

  function fieldsOf(form) {
    var names = (form.dataset.draftFields || "").split(",");
    var values = {};
    names.forEach(function (name) {
      var field = form.elements[name];
      if (field) { values[name] = field.value; }
    });
    return values;
  }

  function setStatus(form, text, offline) {
    var status = form.querySelector(".draft-status");
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("offline", Boolean(offline));
  }

  function keepLocally(form) {
    try {
      localStorage.setItem(storageKey(form), JSON.stringify({ savedAt: Date.now(), fields: fieldsOf(form) }));
      return true;
    } catch (error) {
      return false;
    }
  }

  function forgetLocally(key) {
    try { localStorage.removeItem(key); } catch (error) { /* storage unavailable */ }
  }

  function restoreLocalCopy(form) {
    var raw;
    try { raw = localStorage.getItem(storageKey(form)); } catch (error) { return; }
    if (!raw) { return; }
    var copy;
    try { copy = JSON.parse(raw); } catch (error) { forgetLocally(storageKey(form)); return; }
    var serverSavedAt = Number(form.dataset.draftSavedAt || 0);
    if (!copy || !copy.fields || copy.savedAt <= serverSavedAt) { return; }
    Object.keys(copy.fields).forEach(function (name) {
      var field = form.elements[name];
      if (field) { field.value = copy.fields[name]; }
    });
    var notice = form.querySelector(".restored-notice");
    if (notice) {
      notice.hidden = false;
      notice.textContent = "We restored words kept on this device at " +
        new Date(copy.savedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) +
        ", when the server could not be reached.";
    }
    if (window.htmx) { window.htmx.trigger(form, "claywork:restored"); }
  }

  function wireDraftForm(form) {
    restoreLocalCopy(form);
    form.addEventListener("htmx:sendError", function () {
      var kept = keepLocally(form);
      setStatus(form, kept ? "Offline: your words are kept on this device." : "Offline: copy your words somewhere safe.", true);
    });
    form.addEventListener("htmx:responseError", function () {
      keepLocally(form);
      setStatus(form, "Not saved to the server yet: your words are kept on this device.", true);
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) { forgetLocally(storageKey(form)); }
    });
    form.addEventListener("submit", function () { keepLocally(form); });
  }

  // A form marked data-swap-errors shows the server's 400 answer (its errors, with the words
  // typed) in place; htmx would otherwise drop it and the page would show nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 400 && source && source.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // "escalates in 12 min": kept current while the page is open.
  function countdown(element) {
    var seconds = (Date.parse(element.dataset.escalatesAt) - Date.now()) / 1000;
    if (isNaN(seconds)) { return; }
    var minutes = Math.floor(seconds / 60);
    element.textContent = seconds <= 60 ? "escalating now"
      : minutes < 120 ? "escalates in " + minutes + " min"
      : "escalates in " + Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }
  window.setInterval(function () {
    document.querySelectorAll("[data-escalates-at]").forEach(countdown);
  }, 30000);

  document.addEventListener("DOMContentLoaded", function () {
    var cleared = document.body.dataset.clearDraft;
    if (cleared) {
      forgetLocally("claywork-draft:" + (document.body.dataset.user || "anon") + ":" + cleared);
    }
    document.querySelectorAll("form[data-draft-key]").forEach(wireDraftForm);
    document.querySelectorAll("[data-confirm]").forEach(function (element) {
      element.addEventListener("click", function (event) {
        if (!window.confirm(element.dataset.confirm)) { event.preventDefault(); }
      });
    });
  });
})();
