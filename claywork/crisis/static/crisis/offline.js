/*
 * On the crisis page and the patient's own safety plan: registers the service worker that
 * keeps these two pages readable offline (sw.js, docs/offline.md), says when the page shown is
 * the stored copy, and lets the patient stop keeping a copy on this device.
 */
(function () {
  "use strict";

  var OPT_OUT = "claywork-offline:off";

  function optedOut() {
    try { return localStorage.getItem(OPT_OUT) === "1"; } catch (error) { return false; }
  }

  function setOptOut(off) {
    try {
      if (off) { localStorage.setItem(OPT_OUT, "1"); } else { localStorage.removeItem(OPT_OUT); }
    } catch (error) { /* storage unavailable: nothing to remember */ }
  }

  function workerUrl() {
    var script = document.getElementById("offline-script");
    return script ? script.dataset.serviceWorker : "";
  }

  function keepCopies() {
    if (!("serviceWorker" in navigator) || !workerUrl()) { return Promise.resolve(false); }
    return navigator.serviceWorker.register(workerUrl(), { scope: "/" })
      .then(function () { return true; }, function () { return false; });
  }

  function forgetCopies() {
    var removals = [];
    if ("caches" in window) {
      removals.push(caches.keys().then(function (names) {
        return Promise.all(names
          .filter(function (name) { return name.indexOf("claywork-offline-") === 0; })
          .map(function (name) { return caches.delete(name); }));
      }));
    }
    if ("serviceWorker" in navigator) {
      removals.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (registration) {
          return registration.unregister();
        }));
      }));
    }
    return Promise.all(removals);
  }

  function showOfflineNotice() {
    document.querySelectorAll("[data-offline-notice]").forEach(function (notice) {
      notice.hidden = navigator.onLine;
    });
    // A stored copy may hold a one-off message ("Saved as version 2"): not news offline.
    document.querySelectorAll(".messages").forEach(function (messages) {
      messages.hidden = !navigator.onLine;
    });
  }

  function showStatus() {
    var status = document.querySelector("[data-offline-status]");
    if (!status || !("serviceWorker" in navigator)) { return; }
    var off = optedOut();
    status.hidden = false;
    status.querySelector("[data-offline-on]").hidden = off;
    status.querySelector("[data-offline-off]").hidden = !off;
  }

  function wireStatus() {
    var status = document.querySelector("[data-offline-status]");
    if (!status) { return; }
    status.querySelector("[data-forget-offline]").addEventListener("click", function () {
      setOptOut(true);
      forgetCopies().then(showStatus);
    });
    status.querySelector("[data-keep-offline]").addEventListener("click", function () {
      setOptOut(false);
      keepCopies().then(showStatus);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showOfflineNotice();
    window.addEventListener("online", showOfflineNotice);
    window.addEventListener("offline", showOfflineNotice);
    // The service worker also clears its copies when it sees the sign-out; clearing here too
    // covers a browser where it has not started yet.
    document.querySelectorAll("form[data-sign-out], form[action='/accounts/logout/']")
      .forEach(function (form) { form.addEventListener("submit", forgetCopies); });
    wireStatus();
    if (!optedOut()) { keepCopies(); }
    showStatus();
  });
})();
