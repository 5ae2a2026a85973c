/*
 * Claywork's page script (besides htmx and the few page-specific ones). It keeps a patient's
 * writing safe when the server cannot be reached: the text is copied to this browser's storage
 * only when an autosave or a submit fails, and removed again once the server confirms it has
 * the words. It also offers this device's time zone where one is asked for, and counts down
 * the undo of a deleted entry.
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
  function deviceZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { return ""; }
  }

  /* A time-zone box that asks for it: "fill" puts this device's zone in (our value was only a
     guess), "offer" shows a button to use it (the value is the person's own earlier choice). */
  function wireZoneDetection(input) {
    var zone = deviceZone();
    var note = document.querySelector('[data-detected-zone-for="' + input.id + '"]');
    if (!zone || !note || input.value === zone) { return; }
    var text = note.querySelector(".detected-zone-text");
    var use = note.querySelector(".detected-zone-use");
    if (input.dataset.detectTimezone === "fill") {
      input.value = zone;
      text.textContent = "Set from this device: " + zone + ". Change it if that is wrong.";
    } else {
      text.textContent = "This device is set to " + zone + ".";
      use.hidden = false;
      use.addEventListener("click", function () {
        input.value = zone;
        use.hidden = true;
        text.textContent = "Changed to " + zone + ": save to keep it.";
        input.focus();
      });
    }
    note.hidden = false;
  }

  /* "Entry deleted. Undo" counts down, then goes: past it the server would refuse the undo. */
  function wireUndo(form) {
    var left = Number(form.dataset.undoSeconds || 0);
    var counter = form.querySelector(".undo-left");
    function tick() {
      if (left <= 0) {
        form.querySelector("button").remove();
        form.querySelector(".undo-text").textContent = "Entry deleted.";
        return;
      }
      if (counter) { counter.textContent = "(" + left + ")"; }
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  // The session screen: Enter saves the note (Shift+Enter is a new line), and after the
  // save the note box has the focus again, so a guide never needs the mouse.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) { return; }
    if (!(box instanceof HTMLTextAreaElement) || !box.hasAttribute("data-enter-submits")) { return; }
    event.preventDefault();
    if (box.value.trim() && box.form) { box.form.requestSubmit(); }
  });
  document.addEventListener("htmx:afterSwap", function () {
    var box = document.querySelector("textarea[data-enter-submits]");
    if (box) { box.focus(); }
  });

  /* A thread's "Earlier messages": the older messages take the control's place in the list.
     The page keeps its scroll position (the browser's scroll anchoring would otherwise move
     it by the height of what came in) and the keyboard stays there: on the oldest message
     loaded, with the next "Earlier messages" control right above it. */
  var earlierLoad = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.matches && source.matches("[data-earlier-messages]")) {
      earlierLoad = { list: source.closest("ol"), scrollY: window.scrollY };
      document.documentElement.style.overflowAnchor = "none";
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!earlierLoad) { return; }
    var load = earlierLoad;
    earlierLoad = null;
    window.scrollTo(window.scrollX, load.scrollY);
    document.documentElement.style.overflowAnchor = "";
    var control = load.list.querySelector("li.earlier-messages");
    var oldest = control ? control.nextElementSibling : load.list.querySelector("li.message");
    if (oldest) {
      oldest.setAttribute("tabindex", "-1");
      oldest.focus({ preventScroll: true });
    }
  });

  // allauth's key scripts only log a failed or cancelled key ceremony to the console; show the
  // page's own words instead (the element marked data-key-problem).
  document.addEventListener("allauth.error", function (event) {
    var note = document.querySelector("[data-key-problem]");
    if (!note) { return; }
    event.preventDefault();
    note.hidden = false;
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-detect-timezone]").forEach(wireZoneDetection);
    document.querySelectorAll("form[data-undo-seconds]").forEach(wireUndo);
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
