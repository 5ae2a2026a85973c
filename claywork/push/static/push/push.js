/*
 * Reminders on this device (the reminder settings page): asks the browser for permission,
 * subscribes with the clinic's VAPID public key through the service worker (/sw.js), and
 * tells Claywork; or unsubscribes and tells Claywork to stop. Messages never say anything
 * about health (claywork/push/payload.py).
 */
(function () {
  "use strict";

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var index = 0; index < raw.length; index += 1) { bytes[index] = raw.charCodeAt(index); }
    return bytes;
  }

  function post(box, url, body) {
    var token = box.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) { throw new Error("Claywork answered " + response.status); }
      return response.json();
    });
  }

  function say(box, text) { box.querySelector(".push-status").textContent = text; }

  function show(box, subscribed) {
    box.querySelector(".push-on").hidden = subscribed;
    box.querySelector(".push-off").hidden = !subscribed;
  }

  function turnOn(box, registration) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        say(box, "This browser was not allowed to show notifications. You can allow it in its settings.");
        return null;
      }
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.dataset.vapidKey),
      }).then(function (subscription) {
        var body = subscription.toJSON();
        body.device_label = navigator.userAgent.slice(0, 80);
        return post(box, box.dataset.subscribeUrl, body);
      }).then(function () {
        show(box, true);
        say(box, "Reminders will come to this device too.");
      });
    });
  }

  function turnOff(box, registration) {
    return registration.pushManager.getSubscription().then(function (subscription) {
      if (!subscription) { return null; }
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post(box, box.dataset.unsubscribeUrl, { endpoint: endpoint });
      });
    }).then(function () {
      show(box, false);
      say(box, "No more reminders on this device.");
    });
  }

  function wire(box) {
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say(box, "This browser cannot receive push reminders; e-mail reminders still come.");
      return;
    }
    box.hidden = false;
    navigator.serviceWorker.register(box.dataset.serviceWorker, { scope: "/" }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        show(box, Boolean(subscription));
        box.querySelector(".push-on").addEventListener("click", function () {
          turnOn(box, registration).catch(function () { say(box, "That did not work. Please try again."); });
        });
        box.querySelector(".push-off").addEventListener("click", function () {
          turnOff(box, registration).catch(function () { say(box, "That did not work. Please try again."); });
        });
      });
    }).catch(function () { say(box, "Push reminders could not be set up in this browser."); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-push-device]").forEach(wire);
  });
})();
