/* backstretch: notifications for this device, on the reminders page. Plain JavaScript.
 *
 * The browser is asked for permission only when the person presses "Turn on notifications here",
 * never when the page opens. Turning on subscribes this browser with the server's key
 * (GET /api/push/key) and sends the subscription to the server (POST /api/push/subscriptions);
 * turning off tells the server (DELETE) and unsubscribes. When the page opens on a browser that
 * is subscribed already, the subscription is sent again: the server notes the login of the
 * moment (one that expired since is replaced, so logging out still stops this browser's
 * reminders), and learns of it again if it forgot it. Every word shown comes from the page
 * (the data-* attributes of section.push).
 */
(function () {
  "use strict";

  const section = document.querySelector("section.push");
  if (!section) return;
  const status = document.getElementById("push-status");
  const onButton = document.getElementById("push-on");
  const offButton = document.getElementById("push-off");
  const SUBSCRIBE_MS = 30000;
  const supported =
    window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function say(name) {
    status.textContent = section.dataset[name] || "";
  }

  function csrfToken() {
    const node = document.querySelector('meta[name="csrf-token"]');
    return node ? node.getAttribute("content") || "" : "";
  }

  function keyBytes(base64url) {
    const padded = base64url + "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (char) => char.charCodeAt(0));
  }

  function sameKey(buffer, bytes) {
    if (!buffer) return false;
    const held = new Uint8Array(buffer);
    return held.length === bytes.length && held.every((byte, index) => byte === bytes[index]);
  }

  async function workerRegistration() {
    try {
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    } catch (error) {
      // offline: the worker already installed carries on
    }
    return navigator.serviceWorker.ready;
  }

  async function tellServer(method, body) {
    const response = await fetch("/api/push/subscriptions", {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrftoken": csrfToken() },
      body: JSON.stringify(body),
    });
    const forgotten = method === "DELETE" && response.status === 404;
    if (!response.ok && !forgotten) throw new Error("the server answered " + response.status);
  }

  function show(subscribed) {
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
    say(subscribed ? "on" : "off");
  }

  async function turnOn() {
    onButton.disabled = true;
    say("working");
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say(permission === "denied" ? "denied" : "off");
        return;
      }
      const registration = await workerRegistration();
      const answer = await fetch("/api/push/key", { credentials: "same-origin" });
      if (!answer.ok) throw new Error("no key: " + answer.status);
      const key = keyBytes((await answer.json()).key);
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
        await subscription.unsubscribe(); // made with another server's key: start again
        subscription = null;
      }
      if (!subscription) {
        // A browser with no way to reach its push service may never answer: give up after a while.
        subscription = await Promise.race([
          registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
          new Promise((resolve, reject) => setTimeout(() => reject(new Error("no answer")), SUBSCRIBE_MS)),
        ]);
      }
      await tellServer("POST", subscription.toJSON());
      show(true);
    } catch (error) {
      say("failed");
    } finally {
      onButton.disabled = false;
    }
  }

  async function turnOff() {
    offButton.disabled = true;
    say("working");
    try {
      const registration = await workerRegistration();
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) {
        await tellServer("DELETE", { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      show(false);
    } catch (error) {
      say("failed");
    } finally {
      offButton.disabled = false;
    }
  }

  async function start() {
    if (!supported) {
      say("unsupported");
      return;
    }
    onButton.addEventListener("click", turnOn);
    offButton.addEventListener("click", turnOff);
    if (Notification.permission === "denied") {
      say("denied");
      return;
    }
    const registration = await navigator.serviceWorker.getRegistration("/");
    const subscription = registration ? await registration.pushManager.getSubscription() : null;
    onButton.hidden = Boolean(subscription);
    offButton.hidden = !subscription;
    if (!subscription) return;
    say("on");
    await tellServer("POST", subscription.toJSON()).catch(() => {}); // offline: next visit
  }

  start().catch(() => {
    onButton.hidden = false;
  });
})();
